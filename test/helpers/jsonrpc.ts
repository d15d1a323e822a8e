/** JSON-RPC messages a test host sends as-is over stdio or HTTP (not through an SDK client). */

/** An initialize request (id 1) at the 2025-06-18 revision, which every transport speaks. */
export const INITIALIZE_REQUEST = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "test-host", version: "1" },
  },
} as const;
