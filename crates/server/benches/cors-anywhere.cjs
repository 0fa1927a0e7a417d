// cors-anywhere (npm, pinned in package.json), as the proxy benchmark runs it beside Trackline's
// proxy: the same upstream, no origin or header required, on a free loopback port that it prints
// as its first line. Run by crates/server/benches/proxy.rs; stops when its stdin closes.
const path = require("node:path");
const corsAnywhere = require(path.join(__dirname, "..", "..", "..", "node_modules", "cors-anywhere"));

const server = corsAnywhere.createServer({
  originWhitelist: [],
  requireHeader: [],
  removeHeaders: ["cookie", "cookie2"],
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
