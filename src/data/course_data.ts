/**
 * MNIST as the course uses it: all of it, or in quick mode (`MNIST_QUICK=1`)
 * the first 2,000 training and 500 test images, so that a classroom dry run or
 * the test suite executes every notebook in seconds. Quick mode changes only
 * the data, never the code in a cell; what a notebook prints says which mode ran.
 *
 * @module
 */
import { loadMnist, type MnistData } from "./mnist.ts";
import { sliceSplit } from "./splits.ts";
import { isQuickMode, QUICK_ENV_VAR, QUICK_SIZES } from "../course_env.ts";
import { tr } from "../i18n.ts";

const DISPLAY = Symbol.for("Jupyter.display");

/** The two splits the course trains and tests on, and whether they are quick mode's slices. */
export interface CourseMnist extends MnistData {
  quick: boolean;
}

/** One line on what the data is, as a notebook shows it. */
export function describeData(data: CourseMnist): string {
  const train = data.train.count.toLocaleString("en-US"), test = data.test.count.toLocaleString("en-US");
  return data.quick
    ? tr({
      en: `QUICK MODE (${QUICK_ENV_VAR}=1): the first ${train} training and ${test} test images, a dry run: ` +
        `the numbers below are not the report's.`,
      ko: `빠른 실행 모드 (QUICK MODE, ${QUICK_ENV_VAR}=1): 처음 ${train}개의 학습 이미지와 ${test}개의 테스트 ` +
        `이미지만 쓰는 시험 실행입니다. 아래 숫자는 보고서의 숫자가 아닙니다.`,
    })
    : tr({
      en: `MNIST: ${train} training and ${test} test images (full mode).`,
      ko: `MNIST: 학습 이미지 ${train}개, 테스트 이미지 ${test}개 (전체 데이터).`,
    });
}

/**
 * Loads MNIST for a notebook or command: the whole data set, or quick mode's
 * slices. Displayed in a notebook, it says which.
 *
 * @example
 * const { train, test } = await loadCourseMnist();
 */
export async function loadCourseMnist(quick: boolean = isQuickMode()): Promise<CourseMnist> {
  const mnist = await loadMnist();
  const data: CourseMnist = quick
    ? {
      train: sliceSplit(mnist.train, 0, QUICK_SIZES.trainCount),
      test: sliceSplit(mnist.test, 0, QUICK_SIZES.testCount),
      quick,
    }
    : { ...mnist, quick };
  Object.defineProperty(data, DISPLAY, {
    value: () => ({ "text/plain": describeData(data) }),
    enumerable: false,
  });
  return data;
}
