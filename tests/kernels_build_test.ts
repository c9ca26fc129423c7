/**
 * The generated sources of our wasm kernels (`*_wasm.ts`, `gemm_kernels.wat`)
 * must be what `deno task kernels` writes from the `.wat` files and the
 * generator: an edited kernel that was not rebuilt fails here.
 */
import { assertEquals } from "./assert.ts";
import { staleSources } from "../src/backend/build_kernels.ts";

Deno.test("deno task kernels: the committed generated sources are up to date", async () => {
  assertEquals(await staleSources(), [], "run `deno task kernels` and commit the result");
});
