/**
 * Column headers that several of the course's tables share, in English (what
 * the English edition and the CSV files of `reproduce` show: snake_case, as a
 * program reads them) and in the report's Korean (`docs/GLOSSARY.md`), so that
 * the same column reads the same in every Korean table.
 *
 * @module
 */
import { type Bilingual, tr } from "../i18n.ts";

/** The shared headers, by their English form. */
export const HEADERS = {
  run: { en: "run", ko: "실행" },
  model: { en: "model", ko: "모델" },
  epoch: { en: "epoch", ko: "에폭" },
  epochs: { en: "epochs", ko: "에폭" },
  digit: { en: "digit", ko: "숫자" },
  input: { en: "input", ko: "입력" },
  accuracy: { en: "accuracy", ko: "정확도" },
  loss: { en: "loss", ko: "손실" },
  train_accuracy: { en: "train_accuracy", ko: "학습 정확도" },
  test_accuracy: { en: "test_accuracy", ko: "테스트 정확도" },
  train_loss: { en: "train_loss", ko: "학습 손실" },
  test_loss: { en: "test_loss", ko: "테스트 손실" },
  training_images: { en: "training_images", ko: "학습 이미지 수" },
  test_images: { en: "test_images", ko: "테스트 이미지 수" },
  preprocessing: { en: "preprocessing", ko: "전처리" },
  drawings: { en: "drawings", ko: "그림 수" },
  parameters: { en: "parameters", ko: "파라미터 수" },
} as const satisfies Record<string, Bilingual>;

/** A shared header in the language in force. */
export function header(key: keyof typeof HEADERS): string {
  return tr(HEADERS[key]);
}
