/**
 * The Deno Jupyter kernel's display API, and a display that updates in place.
 *
 * Inside the kernel, `Deno.jupyter.broadcast` sends an output message to the
 * front end; a `display_data` message with a `display_id` can later be replaced
 * by an `update_display_data` message with the same id, which is how a
 * training cell shows one log and one chart that change while it runs.
 * Outside the kernel there is no such API and {@link jupyterApi} is undefined.
 *
 * @module
 */

/** A MIME bundle, as Jupyter displays it (`text/plain`, `image/png` as base64, ...). */
export type MimeBundle = Record<string, string>;

/** The part of `Deno.jupyter` used here. */
export interface JupyterApi {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

/** `Deno.jupyter` inside the Deno kernel; undefined elsewhere (where reading it throws or gives nothing). */
export function jupyterApi(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

/** True when running inside the Deno Jupyter kernel. */
export function inJupyter(): boolean {
  return jupyterApi() !== undefined;
}

/**
 * One output of the current cell that can be replaced while the cell runs.
 * Updates are sent in order; {@link LiveDisplay.flush} waits until all are sent
 * (call it before the cell ends, or late updates land after the next cell's output).
 */
export class LiveDisplay {
  private readonly id = `live-${crypto.randomUUID()}`;
  private shown = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly jupyter: JupyterApi) {}

  /** Shows `bundle` (the first call) or replaces what this display shows (later calls). */
  show(bundle: MimeBundle): void {
    const type = this.shown ? "update_display_data" : "display_data";
    this.shown = true;
    const content = { data: bundle, metadata: {}, transient: { display_id: this.id } };
    this.pending = this.pending.then(() => this.jupyter.broadcast(type, content)).catch(() => {});
  }

  /** True once something was shown. */
  get visible(): boolean {
    return this.shown;
  }

  /** Resolves when every update has been sent. */
  flush(): Promise<void> {
    return this.pending;
  }
}
