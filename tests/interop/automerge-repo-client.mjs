// An automerge-repo client nobody on this project wrote (the npm packages
// @automerge/automerge-repo and @automerge/automerge-repo-network-websocket),
// driven against the Thi Đua relay by tests/tests/interop.rs.
//
// usage: node automerge-repo-client.mjs <ws-url-with-token> <read-url> <own-url> <foreign-url>
// Prints one JSON line per step: {"step":"read",...}, {"step":"wrote",...}, ...
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [wsUrl, readUrl, ownUrl, foreignUrl] = process.argv.slice(2)
const say = obj => console.log(JSON.stringify(obj))

// No storage: this repo keeps nothing on disk. Default share policy.
const repo = new Repo({ network: [new WebSocketClientAdapter(wsUrl)] })

const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))])

try {
  // 1. Read another office's document.
  const other = await withTimeout(repo.find(readUrl), 15000, "find read doc")
  const o = other.doc()
  say({ step: "read", kind: o.kind, officeCode: o.officeCode, name: o.name })

  // 2. Write our own office's document.
  const own = await withTimeout(repo.find(ownUrl), 15000, "find own doc")
  // automerge 3 stores these strings as text objects, as every standard
  // client does: the relay must read and validate them as strings.
  own.change(d => {
    d.interop = "ghi từ automerge-repo (JavaScript)"
    d.staff.js1 = { fullName: "Nông Thị Hoa", position: "Chuyên viên", joinedOn: "2021-03-01" }
  })
  say({ step: "wrote", heads: own.heads() })

  // 3. Try to write a document of another office: the relay must refuse it.
  const foreign = await withTimeout(repo.find(foreignUrl), 15000, "find foreign doc")
  foreign.change(d => {
    d.interop = "không được phép"
  })
  say({ step: "tried-foreign" })

  // 4. A document outside the cluster is unavailable.
  try {
    await withTimeout(repo.find("automerge:b56iBSEKUikofQ1eb4cGFkEf8dJ"), 15000, "find unknown doc")
    say({ step: "unknown-doc", result: "found" })
  } catch (e) {
    say({ step: "unknown-doc", result: "unavailable", message: String(e.message ?? e) })
  }
  // Stay connected until the Rust side has checked and closes stdin.
  process.stdin.on("end", () => process.exit(0))
  process.stdin.resume()
} catch (e) {
  say({ step: "error", message: String(e.stack ?? e) })
  process.exit(1)
}
