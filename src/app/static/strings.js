// Every word the draw-a-digit page shows, in English and in Korean: the report's terms (전처리, 바운딩 박스,
// 확률, 예측, 확신도, 에폭, 배치 …, as docs/GLOSSARY.md lists them) and the wording of its Gradio app
// ("예측 결과", "확신도", "① 원본", "② 색 반전"). Plain browser JavaScript, no build step; a test checks that both
// languages have the same keys and that each error code of the API has a message in each.

/** The languages of the page, the first the one used when the browser prefers neither. */
export const PAGE_LANGUAGES = ["en", "ko"];

/** The particle 이 or 가 after a digit read aloud in Korean (영, 일, 삼, 육, 칠, 팔 end in a consonant). */
export function iGa(digit) {
  return [0, 1, 3, 6, 7, 8].includes(Number(digit)) ? "이" : "가";
}

/** The particle 로 or 으로 after a digit read aloud (으로 after a final consonant other than ㄹ: 영, 삼, 육). */
export function ro(digit) {
  return [0, 3, 6].includes(Number(digit)) ? "으로" : "로";
}

/**
 * The page's texts by language. A value is a string, or a function of what it says (a digit, a model's
 * short name, a number) when the sentence is built around it: word order differs between the languages.
 */
export const STRINGS = {
  en: {
    pageTitle: "Draw a digit: MNIST recognizer",
    heading: "Draw a digit",
    lead: "Draw one digit (0–9) with the mouse, a finger or a pen. The model reads it as it would read an MNIST " +
      "image: after preprocessing it into a 28×28 grey picture. Choose a side-by-side view under Model to see " +
      "the MLP and the CNN read the same drawing.",
    languageSwitch: "language",
    drawingPanel: "drawing",
    predictionPanel: "prediction",
    stepsPanel: "preprocessing steps",
    model: "Model",
    preprocessing: "Preprocessing",
    pen: "Pen",
    penWidth: "pen width",
    canvas: "drawing canvas",
    clear: "Clear",
    predict: "Predict",
    live: "predict while drawing",
    drawFirst: "Draw a digit first.",
    stepsHeading: "What the model sees",
    stepDrawn: "① drawn",
    stepInverted: "② grey, inverted",
    stepFinal: "④ 28×28 model input",
    framed: { v1: "③ whole canvas (v1)", v2: "③ cropped, padded 20%, centred (v2)", v3: "③ fitted into 20×20 (v3)" },
    apiBody: "with a PNG body",
    apiSideBySide: "side by side",
    sideBySide: "side by side",
    sideBySideOption: (label) => `${label} (side by side)`,
    quickMode: "quick mode (models trained on small slices)",
    looksLike: (digit) => `It looks like a ${digit}.`,
    allAgree: (count, digit) => `All ${count} models read a ${digit}.`,
    reading: (model, digit) => `${model} reads ${digit}`,
    disagree: (readings) => `The models disagree: ${readings}.`,
    confidence: (percent, mode, ms) => `confidence ${percent}% · ${mode} · ${ms} ms`,
    chartAxis: "probability (%)",
    chartLabel: (model) => `probability of each digit, ${model}`,
    wasItBefore: "Was it a ",
    wasItAfter: "?",
    whichDigit: "Which digit did you draw?",
    yes: "Yes",
    orItWas: "or it was:",
    thanks: (digit) => `Thanks: logged as a ${digit}.`,
    notLogged: (message, detail) => `${message} (${detail})`,
    noAnswer: (detail) => `The server did not answer: ${detail}`,
    training: (model, epoch, epochs, batch, batches) =>
      `Training ${model} (first use): epoch ${epoch}/${epochs}, batch ${batch}/${batches}`,
    ready: (model, description) => `${model} ready: ${description}.`,
    failed: (model, reason) => `${model} failed: ${reason}.`,
    status: { idle: "idle", queued: "queued", loading: "loading", training: "training" },
    statusEpoch: (status, epoch, epochs) => `${status}, epoch ${epoch}/${epochs}`,
    limit: (mib, side) => `at most ${mib} MiB and ${side} pixels a side`,
    pending: (model, status) => `${model}: ${status}…`,
    notice: (model, notice) => ` Note (${model}): ${notice}`,
    logKept: (path, limit, rotated) =>
      `Each time you press Predict, this app keeps a record on this computer in ${path}: the time, the model and ` +
      "preprocessing, the ten probabilities, the 28×28 image the model saw, and the digit you confirm or correct. " +
      "Predictions made while you draw are not kept. The file is readable by its owner only; past " +
      `${limit} it moves to ${rotated}, replacing the older one. Delete the files to forget everything.`,
    logOff: "This app keeps no record of what you draw (it runs with --no-log).",
  },
  ko: {
    pageTitle: "숫자 그리기: MNIST 숫자 인식기",
    heading: "숫자 그리기",
    lead: "마우스나 손가락, 펜으로 숫자 하나(0–9)를 그려 보세요. 모델은 그림을 MNIST 이미지처럼 읽습니다. 먼저 " +
      "28×28 흑백 이미지로 전처리한 뒤 예측합니다. 모델에서 나란히 보기를 고르면 MLP와 CNN이 같은 그림을 어떻게 " +
      "읽는지 함께 볼 수 있습니다.",
    languageSwitch: "언어",
    drawingPanel: "그림판",
    predictionPanel: "예측",
    stepsPanel: "전처리 과정",
    model: "모델",
    preprocessing: "전처리",
    pen: "펜 굵기",
    penWidth: "펜 굵기",
    canvas: "숫자를 그리는 캔버스",
    clear: "지우기",
    predict: "예측",
    live: "그리는 동안 예측",
    drawFirst: "먼저 숫자를 그려 주세요.",
    stepsHeading: "전처리 과정: 모델이 보는 이미지",
    stepDrawn: "① 원본",
    stepInverted: "② 흑백 변환, 색 반전",
    stepFinal: "④ 28×28 리사이즈: 모델의 입력",
    framed: {
      v1: "③ 캔버스 전체 (v1)",
      v2: "③ 바운딩 박스로 자르기, 20% 패딩, 중앙 정렬 (v2)",
      v3: "③ 20×20 안에 맞추기 (v3)",
    },
    apiBody: "본문은 PNG 이미지",
    apiSideBySide: "나란히 보기",
    sideBySide: "나란히 보기",
    sideBySideOption: (label) => `${label} (나란히 보기)`,
    quickMode: "빠른 실행 모드 (작은 데이터로 학습한 모델)",
    looksLike: (digit) => `예측 결과: ${digit}`,
    allAgree: (count, digit) => `모델 ${count}개 모두 ${digit}${ro(digit)} 예측했습니다.`,
    reading: (model, digit) => `${model}: ${digit}`,
    disagree: (readings) => `모델마다 예측이 다릅니다 (${readings}).`,
    confidence: (percent, mode, ms) => `확신도 ${percent}% · ${mode} · ${ms} ms`,
    chartAxis: "확률 (%)",
    chartLabel: (model) => `숫자별 확률, ${model}`,
    wasItBefore: "그린 숫자가 ",
    wasItAfter: "인가요?",
    whichDigit: "어떤 숫자를 그렸나요?",
    yes: "네",
    orItWas: "아니면 그린 숫자는:",
    thanks: (digit) => `고맙습니다. ${digit}${ro(digit)} 기록했습니다.`,
    notLogged: (message, detail) => `${message} (예측 로그에 기록하지 못했습니다: ${detail})`,
    noAnswer: (detail) => `서버가 응답하지 않았습니다: ${detail}`,
    training: (model, epoch, epochs, batch, batches) =>
      `${model} 학습 중 (처음 사용): 에폭 ${epoch}/${epochs}, 배치 ${batch}/${batches}`,
    ready: (model, description) => `${model} 준비 완료: ${description}.`,
    failed: (model, reason) => `${model} 준비 실패: ${reason}.`,
    status: { idle: "대기", queued: "차례를 기다리는 중", loading: "불러오는 중", training: "학습 중" },
    statusEpoch: (status, epoch, epochs) => `${status}, 에폭 ${epoch}/${epochs}`,
    limit: (mib, side) => `최대 ${mib} MiB, 한 변 ${side}픽셀`,
    pending: (model, status) => `${model}: ${status}…`,
    notice: (model, notice) => ` 참고 (${model}): ${notice}`,
    logKept: (path, limit, rotated) =>
      `예측 버튼을 누를 때마다 이 앱은 이 컴퓨터의 ${path} 파일에 기록을 남깁니다: 시각, 모델과 전처리 방식, 열 개의 ` +
      "확률, 모델이 본 28×28 이미지, 그리고 확인하거나 고쳐 준 숫자입니다. 그리는 동안의 예측은 기록하지 않습니다. " +
      `이 파일은 소유자만 읽을 수 있고, 크기가 ${limit}에 이르면 이전 파일을 대신해 ${rotated} 이름으로 옮겨집니다. ` +
      "모든 기록을 지우려면 두 파일을 삭제하세요.",
    logOff: "이 앱은 그린 숫자를 기록하지 않습니다 (--no-log로 실행 중).",
  },
};

/**
 * The page's message for each error `code` of the API (`API_ERROR_CODES` in server.ts), by language: the API's
 * own `error` is English and written for whoever calls the API; these are for the person drawing. Each is a
 * function of what the page knows about the error: `model` (the model's short name), `status` (its status in
 * words), `reason` (why it failed, as the server says it), `detail` (the server's English message), `limit`
 * (the largest drawing, in words).
 */
export const ERRORS = {
  en: {
    bad_label: () => "A label is a digit from 0 to 9.",
    bad_parameter: () => "The page sent a request the server does not understand; reload the page.",
    bad_path: () => "The page asked for an address the server cannot read; reload the page.",
    body_aborted: () => "The drawing was cut off on its way to the server; try again.",
    body_timeout: () => "The drawing took too long to reach the server; try again.",
    busy: () => "The server is busy with other drawings; try again in a moment.",
    empty_body: () => "The drawing did not reach the server; press Predict again.",
    empty_drawing: () => "Draw a digit first.",
    forbidden_host: () => "The app refused the request: open the page at the address the app printed.",
    forbidden_origin: () => "The app refused the request: it answers only its own page.",
    internal_error: ({ detail }) => `The server failed: ${detail}`,
    log_unavailable: ({ detail }) => `The label was not logged: ${detail}`,
    logging_off: () => "This app keeps no log (--no-log), so there is nothing to label.",
    malformed_json: () => "The page sent a label the server cannot read; reload the page.",
    malformed_png: () => "The server could not read the drawing as a PNG image; press Clear and draw again.",
    method_not_allowed: () => "The page sent a request the server does not take; reload the page.",
    model_failed: ({ model, reason }) => `${model} could not be prepared: ${reason}`,
    model_not_ready: ({ model, status }) => `${model} is not ready yet (${status}); it answers once it is.`,
    not_found: () => "The page asked for something the server does not have; reload the page.",
    not_png: () => "The server could not read the drawing as a PNG image; press Clear and draw again.",
    starting: () => "The app is starting; try again in a moment.",
    too_many_bytes: ({ limit }) => `The drawing is too large for the server (${limit}).`,
    too_many_pixels: ({ limit }) => `The drawing is too large for the server (${limit}).`,
    too_much_ink: () => "Most of the canvas is dark: draw a dark digit on the white canvas.",
    unknown_mode: () => "The server does not know this preprocessing; reload the page.",
    unknown_model: () => "The server does not offer this model; reload the page.",
    unknown_prediction: () => "The server no longer knows this prediction (was it restarted?); press Predict again.",
    wrong_content_type: () => "The page sent its drawing in a form the server does not take; reload the page.",
  },
  ko: {
    bad_label: () => "레이블은 0부터 9까지의 숫자여야 합니다.",
    bad_parameter: () => "서버가 이해하지 못하는 요청을 보냈습니다. 페이지를 새로 고쳐 주세요.",
    bad_path: () => "서버가 읽을 수 없는 주소를 요청했습니다. 페이지를 새로 고쳐 주세요.",
    body_aborted: () => "그림을 서버로 보내는 중에 끊겼습니다. 다시 시도해 주세요.",
    body_timeout: () => "그림이 서버에 도착하는 데 너무 오래 걸렸습니다. 다시 시도해 주세요.",
    busy: () => "서버가 다른 그림을 처리하느라 바쁩니다. 잠시 후 다시 시도해 주세요.",
    empty_body: () => "그림이 서버에 전달되지 않았습니다. 예측을 다시 눌러 주세요.",
    empty_drawing: () => "먼저 숫자를 그려 주세요.",
    forbidden_host: () => "앱이 요청을 거절했습니다. 앱이 알려 준 주소로 페이지를 여세요.",
    forbidden_origin: () => "앱이 요청을 거절했습니다. 앱은 자기 페이지의 요청에만 응답합니다.",
    internal_error: ({ detail }) => `서버 내부 오류: ${detail}`,
    log_unavailable: ({ detail }) => `레이블을 기록하지 못했습니다: ${detail}`,
    logging_off: () => "이 앱은 예측 로그를 남기지 않으므로 (--no-log) 레이블을 기록할 수 없습니다.",
    malformed_json: () => "서버가 읽을 수 없는 레이블을 보냈습니다. 페이지를 새로 고쳐 주세요.",
    malformed_png: () => "서버가 그림을 PNG 이미지로 읽지 못했습니다. 지우기를 누르고 다시 그려 주세요.",
    method_not_allowed: () => "서버가 받지 않는 요청을 보냈습니다. 페이지를 새로 고쳐 주세요.",
    model_failed: ({ model, reason }) => `모델을 준비하지 못했습니다 (${model}): ${reason}`,
    model_not_ready: ({ model, status }) =>
      `모델이 아직 준비되지 않았습니다 (${model}, ${status}). 준비되면 예측합니다.`,
    not_found: () => "서버에 없는 것을 요청했습니다. 페이지를 새로 고쳐 주세요.",
    not_png: () => "서버가 그림을 PNG 이미지로 읽지 못했습니다. 지우기를 누르고 다시 그려 주세요.",
    starting: () => "앱이 시작하는 중입니다. 잠시 후 다시 시도해 주세요.",
    too_many_bytes: ({ limit }) => `그림이 서버가 받는 크기보다 큽니다 (${limit}).`,
    too_many_pixels: ({ limit }) => `그림이 서버가 받는 크기보다 큽니다 (${limit}).`,
    too_much_ink: () => "캔버스 대부분이 검게 칠해졌습니다. 흰 캔버스에 검은 선으로 숫자를 그려 주세요.",
    unknown_mode: () => "서버가 모르는 전처리 방식입니다. 페이지를 새로 고쳐 주세요.",
    unknown_model: () => "서버에 없는 모델입니다. 페이지를 새로 고쳐 주세요.",
    unknown_prediction: () => "서버가 이 예측을 찾지 못했습니다 (다시 시작되었나요?). 예측을 다시 눌러 주세요.",
    wrong_content_type: () => "서버가 받지 않는 형식으로 그림을 보냈습니다. 페이지를 새로 고쳐 주세요.",
  },
};
