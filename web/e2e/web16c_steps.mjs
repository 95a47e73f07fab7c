// E2E steps of issue 16's second part (run.mjs calls web16cSteps).
import { call, phone, signedInPages } from "./page_api.mjs";

const desktop = { viewport: { width: 1440, height: 1000 }, locale: "zh-CN" };

export async function web16cSteps({ browser, base, step, assert, signIn, shot }) {
  const { as, closeAll } = signedInPages({ browser, base, signIn }, desktop);
  try {
  } finally {
    await closeAll();
  }
}
