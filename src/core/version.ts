/** The tool's version, written into every store's footer. Keep in step with package.json. */
export const TOOL_VERSION = '0.1.0';
