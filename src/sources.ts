/**
 * The sources' own settings and what they printed (the documents in
 * `shared/seeds/`, summarised in the README): the numbers the course sets
 * beside its own runs of the sources' code, in notebooks 08 and 09 and in
 * REPORT.md's section "The sources' runs". Nothing here is computed.
 *
 * @module
 */
import { REPORT_PUBLISHED } from "./tables/comparison.ts";
import type { Bilingual } from "./i18n.ts";

/** Source 002 (an MLP notebook): its `fit` and what its output cells printed. */
export const SOURCE_002 = {
  /** `model.fit(train_images, train_labels, epochs=100, batch_size=128)`, no validation. */
  epochs: 100,
  batchSize: 128,
  /** `tf.random.set_seed(1234)`. */
  seed: 1234,
  /** Its overfitting rule: a train–test accuracy gap above 0.05 means "possible overfitting". */
  gapThreshold: 0.05,
  /** Its `model.evaluate` after 100 epochs, as printed (4 decimals). */
  published: { trainAccuracy: 1.0, trainLoss: 0.0, testAccuracy: 0.9836, testLoss: 0.2185 },
  /** Its training log, epochs 1–7 (the notebook's output is cut off in epoch 8): running train accuracy and loss. */
  publishedLog: [
    { epoch: 1, accuracy: 0.8366, loss: 0.5156 },
    { epoch: 2, accuracy: 0.964, loss: 0.1171 },
    { epoch: 3, accuracy: 0.9773, loss: 0.0732 },
    { epoch: 4, accuracy: 0.984, loss: 0.0516 },
    { epoch: 5, accuracy: 0.9884, loss: 0.0378 },
    { epoch: 6, accuracy: 0.9911, loss: 0.0292 },
    { epoch: 7, accuracy: 0.9928, loss: 0.0223 },
  ],
  /** Its log's time per epoch (3 s, 6 ms per step of 128 images) and its estimate for the run, "about 5–10 minutes". */
  publishedSecondsPerEpoch: 3,
} as const;

/** Source 003 (a blog post): a Dense-512 MLP with one-hot labels. */
export const SOURCE_003 = {
  /** `model.fit(X_train, Y_train, batch_size=128, epochs=10, validation_data=(X_test, Y_test))`. */
  epochs: 10,
  batchSize: 128,
  /** What the post says the model reaches: "about 98%" test accuracy (it printed no number). */
  publishedTestAccuracy: 0.98,
} as const;

/** Source 001 (a CNN side project): its deeper CNN and its extensions. */
export const SOURCE_001 = {
  /** `model.fit(train_images, train_labels, epochs=5, batch_size=64, validation_data=(test_images, test_labels))`. */
  epochs: 5,
  batchSize: 64,
  /**
   * Epochs of fine-tuning the saved model on augmented images. The source loads its model and trains on
   * `datagen.flow(..., batch_size=64)` without saying for how long: "a few" is our choice.
   */
  fineTuneEpochs: 3,
} as const;

/** A printed percentage, the same in both languages. */
const percent = (v: number): Bilingual => {
  const text = `${(v * 100).toFixed(2)}%`;
  return { en: text, ko: text };
};
const stated = (SOURCE_003.publishedTestAccuracy * 100).toFixed(0);

/** The test accuracy each run's source published, by run name, as the overview tables print it (in both languages). */
export const PUBLISHED_TEST_ACCURACY: Readonly<Record<string, Bilingual>> = {
  "mlp-5": percent(REPORT_PUBLISHED[5].mlp.testAccuracy),
  "cnn-5": percent(REPORT_PUBLISHED[5].cnn.testAccuracy),
  "mlp-10": percent(REPORT_PUBLISHED[10].mlp.testAccuracy),
  "cnn-10": percent(REPORT_PUBLISHED[10].cnn.testAccuracy),
  "source-002-mlp": percent(SOURCE_002.published.testAccuracy),
  "source-003-mlp": { en: `about ${stated}%`, ko: `약 ${stated}%` },
};
