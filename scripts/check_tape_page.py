#!/usr/bin/env python3
"""Checks the tape's HTML page in a real browser: headless Chromium, driven through the
DevTools protocol (a WebSocket client written here with the standard library only).

It writes the pages with the examples (`Examples tape --html`, `Examples softmax --html`,
`Examples backprop-ninja --html`: a graph of 30 ops and its derivation of 26 gradients) unless
given `--page`, loads each from disk, steps through it with the keyboard (→, ←, Home, End), the
buttons and a click on a box, checks the DOM after every step against the step list the page
carries (which boxes have appeared, which show their gradient, which edges are highlighted, the
chain-rule panel, the address's #step=N counted from 1 as the page counts), that the step's box
is in the graph's view and not covered (by the side panel or anything else), that a page opened
at #step=N shows step N (#step=0: the first), that the page made no network request and threw no
error, and saves screenshots.

    python3 scripts/check_tape_page.py                      # builds the examples in release first
    python3 scripts/check_tape_page.py --examples .build/debug/Examples   # or with an Examples already built
    python3 scripts/check_tape_page.py --page tape.html     # any page written by tensor.writeHTML(to:)
    python3 scripts/check_tape_page.py --page tape.html --size 1280x800   # another window (default 1400x900)

Needs Chromium (`apt-get install chromium`); without it the check is skipped (exit 0, says so).
Exit status 1 when a check fails.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class WebSocket:
    """The client side of RFC 6455, enough for the DevTools protocol: text frames, masked."""

    def __init__(self, url, timeout=60):
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0]:
            raise ConnectionError(f"WebSocket handshake refused: {lines[0]}")
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        if headers.get("sec-websocket-accept") != accept:
            raise ConnectionError("WebSocket handshake: wrong Sec-WebSocket-Accept")

    def _exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text):
        self._frame(0x1, text.encode())

    def receive(self):
        message = b""
        while True:
            first, second = self._exact(2)
            fin, opcode = first & 0x80, first & 0x0F
            n = second & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            mask = self._exact(4) if second & 0x80 else None
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if fin:
                    return message.decode()

    def close(self):
        try:
            self._frame(0x8, b"")
            self.sock.close()
        except OSError:
            pass


class DevTools:
    """Calls DevTools methods and keeps the events that arrive meanwhile."""

    def __init__(self, url):
        self.ws = WebSocket(url)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def key(self, name, code, key_code):
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=name, code=code,
                      windowsVirtualKeyCode=key_code, nativeVirtualKeyCode=key_code)

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


STATE = r"""
(() => {
  const all = s => Array.from(document.querySelectorAll(s));
  const steps = all('#steps > li');
  const k = Number(document.body.getAttribute('data-step'));
  const words = (e, a) => (e && e.getAttribute(a) || '').split(' ').filter(Boolean);
  return {
    step: k, total: steps.length, phase: document.body.getAttribute('data-phase'),
    counter: document.getElementById('counter').textContent,
    now: document.getElementById('now').textContent,
    stepText: steps[k] ? steps[k].textContent : null,
    focus: words(steps[k], 'data-focus'), stepEdges: words(steps[k], 'data-edges'),
    slider: Number(document.getElementById('slider').value),
    currentItems: all('#steps > li.current').length,
    hash: location.hash,
    scrolls: document.scrollingElement.scrollHeight > window.innerHeight + 1,
    inView: (() => {
      const id = words(steps[k], 'data-focus')[0], box = id && document.getElementById(id);
      if (!box) return null;
      const graph = document.getElementById('graph'), r = box.getBoundingClientRect(), g = graph.getBoundingClientRect();
      const view = {left: g.left + graph.clientLeft, top: g.top + graph.clientTop};
      view.right = view.left + graph.clientWidth; view.bottom = view.top + graph.clientHeight;
      const inside = r.left >= view.left - 0.5 && r.right <= view.right + 0.5 && r.top >= view.top - 0.5 && r.bottom <= view.bottom + 0.5;
      const x = Math.min(Math.max(r.left + r.width / 2, view.left + 1), view.right - 1);
      const y = Math.min(Math.max(r.top + r.height / 2, view.top + 1), view.bottom - 1);
      const hit = document.elementFromPoint(x, y), on = hit && hit.closest && hit.closest('.node');
      return {id: id, inside: inside, uncovered: on === box, hit: hit ? (hit.id || hit.tagName) : null};
    })(),
    activeEdges: all('#drawing .edge.active').map(e => e.id),
    futureEdges: all('#drawing .edge.future').map(e => e.id),
    edges: all('#drawing .edge').map(e => ({id: e.id, appear: Number(e.getAttribute('data-appear')),
                                            from: e.getAttribute('data-from'), to: e.getAttribute('data-to')})),
    nodes: all('#drawing .node').map(n => ({
      id: n.id, name: n.getAttribute('data-name'),
      appear: Number(n.getAttribute('data-appear')),
      grad: n.hasAttribute('data-grad') ? Number(n.getAttribute('data-grad')) : null,
      future: n.classList.contains('future'), graded: n.classList.contains('graded'),
      current: n.classList.contains('current'), value: n.classList.contains('value'),
      vals: Array.from(n.querySelectorAll('text.val')).map(t => [t.textContent, getComputedStyle(t).visibility]),
      grads: Array.from(n.querySelectorAll('text.grad')).map(t => [t.textContent, getComputedStyle(t).visibility]),
    })),
  };
})()
"""


class Checker:
    def __init__(self):
        self.failures = []
        self.checks = 0

    def expect(self, condition, message):
        self.checks += 1
        if not condition:
            self.failures.append(message)
            print("  FAILED:", message)


def check_state(c, state, k, where):
    """The DOM after reaching step k agrees with the step list the page carries."""
    c.expect(state["step"] == k, f"{where}: at step {state['step']}, expected {k}")
    c.expect(state["slider"] == k, f"{where}: slider at {state['slider']}")
    c.expect(state["currentItems"] == 1, f"{where}: {state['currentItems']} steps marked current")
    c.expect(state["counter"].startswith(f"Step {k + 1} of {state['total']}"), f"{where}: counter '{state['counter']}'")
    c.expect(state["hash"] == f"#step={k + 1}", f"{where}: the address says '{state['hash']}', the page step {k + 1}")
    seen = state["inView"]
    # Opened without #step=N, a page that scrolls as one column (a narrow window) shows its top.
    if seen is not None and not (where.endswith(" at load") and state["scrolls"]):
        c.expect(seen["inside"], f"{where}: the step's box {seen['id']} is not in the graph's view")
        c.expect(seen["uncovered"], f"{where}: the step's box {seen['id']} is covered (by {seen['hit']})")
    c.expect(state["now"] == state["stepText"], f"{where}: the panel does not show step {k}'s text")
    c.expect(sorted(state["activeEdges"]) == sorted(state["stepEdges"]),
             f"{where}: highlighted edges {state['activeEdges']} != the step's {state['stepEdges']}")
    for e in state["edges"]:
        c.expect((e["id"] in state["futureEdges"]) == (e["appear"] > k), f"{where}: edge {e['id']} visibility")
    for n in state["nodes"]:
        c.expect(n["future"] == (n["appear"] > k), f"{where}: box {n['name']} ({n['id']}) appeared wrongly")
        c.expect(n["current"] == (n["id"] in state["focus"]), f"{where}: box {n['id']} current flag")
        graded = n["grad"] is not None and n["grad"] <= k
        c.expect(n["graded"] == graded, f"{where}: box {n['name']} gradient shown={n['graded']}, expected {graded}")
        for text, visibility in n["grads"]:
            c.expect((visibility == "visible") == graded, f"{where}: gradient text '{text}' of {n['name']} is {visibility}")
        if not n["future"]:
            for text, visibility in n["vals"]:
                c.expect(visibility == "visible", f"{where}: value '{text}' of {n['name']} hidden")


def check_flow(c, state, where):
    """What the chain rule requires, read from the drawing's edges alone (not from the step data):
    an op's result shows only after its inputs, and an input shows its gradient only once the
    result it feeds does (the gradient flows back along the edges)."""
    nodes = {n["id"]: n for n in state["nodes"]}
    for op in (n for n in state["nodes"] if n["id"].startswith("o")):
        inputs = [nodes[e["from"]] for e in state["edges"] if e["to"] == op["id"] and e["from"] in nodes]
        outputs = [nodes[e["to"]] for e in state["edges"] if e["from"] == op["id"] and e["to"] in nodes]
        for out in outputs:
            for x in inputs:
                if not out["future"]:
                    c.expect(not x["future"], f"{where}: {out['name']} shows before its input {x['name']}")
                if x["graded"] and x["value"]:
                    c.expect(out["graded"], f"{where}: {x['name']} shows its gradient before {out['name']} does")


def open_page(dev, path, hash=""):
    dev.call("Page.navigate", url="about:blank")
    dev.call("Page.navigate", url="file://" + os.path.abspath(path) + hash)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if dev.evaluate("document.readyState") == "complete" and dev.evaluate("!!document.getElementById('slider')"):
                return
        except RuntimeError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{path} did not load")


# The tour's L = (a·b + c)², by hand: the values shown after each step, then the gradients.
TOUR_VALUES = [{"a", "b", "c"}, {"a", "b", "c", "t1"}, {"a", "b", "c", "t1", "t2"}] + [{"a", "b", "c", "t1", "t2", "t3"}] * 5
TOUR_GRADIENTS = [set(), set(), set(), set(), {"t3"}, {"t3", "t2"}, {"t3", "t2", "t1", "c"},
                  {"t3", "t2", "t1", "c", "a", "b"}]


def check_tape_page(dev, c, path, out, name, expected=None):
    print(f"{name}: {path}")
    open_page(dev, path)
    state = dev.evaluate(STATE)
    total = state["total"]
    check_state(c, state, 0, f"{name} at load")
    check_flow(c, state, f"{name} at load")
    if expected:
        shown = {n["name"] for n in state["nodes"] if n["value"] and not n["future"]}
        c.expect(shown == TOUR_VALUES[0] and not any(n["graded"] for n in state["nodes"]),
                 f"{name} at load: values shown {sorted(shown)}, by hand {sorted(TOUR_VALUES[0])}, and no gradient")
    dev.screenshot(os.path.join(out, f"{name}-step-00.png"))
    shots = {0}
    # → through every step: forward in tape order, then backward.
    forward_ops = []
    if expected:
        c.expect(total == len(TOUR_VALUES), f"{name}: {total} steps, expected {len(TOUR_VALUES)}")
    for k in range(1, total):
        dev.key("ArrowRight", "ArrowRight", 39)
        state = dev.evaluate(STATE)
        check_state(c, state, k, f"{name} step {k} (→)")
        check_flow(c, state, f"{name} step {k}")
        if expected and k < len(TOUR_VALUES):
            shown = {n["name"] for n in state["nodes"] if n["value"] and not n["future"]}
            graded = {n["name"] for n in state["nodes"] if n["value"] and n["graded"]}
            c.expect(shown == TOUR_VALUES[k], f"{name} step {k}: values shown {sorted(shown)}, by hand {sorted(TOUR_VALUES[k])}")
            c.expect(graded == TOUR_GRADIENTS[k], f"{name} step {k}: gradients shown {sorted(graded)}, "
                                                  f"by hand {sorted(TOUR_GRADIENTS[k])}")
        if state["phase"] == "forward":
            forward_ops.append(state["focus"][-1])
        first_rule = state["phase"] == "backward" and k == len(forward_ops) + 2
        if total <= 12 or k in (1, total // 2, total - 1) or first_rule:
            dev.screenshot(os.path.join(out, f"{name}-step-{k:02d}.png"))
            shots.add(k)
    c.expect(state["phase"] == "backward" or total == 1, f"{name}: the last step is not a backward step")
    c.expect(all(n["graded"] for n in state["nodes"] if n["grad"] is not None), f"{name}: gradients missing at the end")
    appear = [next(n["appear"] for n in state["nodes"] if n["id"] == op) for op in forward_ops]
    c.expect(appear == sorted(appear), f"{name}: forward steps out of tape order")
    if expected:
        for box, (value, grad) in expected.items():
            node = next((n for n in state["nodes"] if n["name"] == box and n["vals"]), None)
            c.expect(node is not None, f"{name}: no box {box}")
            if node:
                c.expect([t for t, _ in node["vals"]] == [value], f"{name}: {box} shows {node['vals']}, expected {value}")
                c.expect([t for t, _ in node["grads"]] == [grad], f"{name}: {box} shows {node['grads']}, expected {grad}")
    # #step=N in the address: step N as the page counts (from 1); #step=0 (old links) the first step.
    for hash, k in (("#step=3", 2), ("#step=0", 0), (f"#step={total}", total - 1), (f"#step={total + 5}", total - 1)):
        k = max(0, min(k, total - 1))
        open_page(dev, path, hash)
        check_state(c, dev.evaluate(STATE), k, f"{name} opened at {hash}")
    open_page(dev, path)
    dev.key("End", "End", 35)
    # ← one step, Home, End; the "next" button.
    dev.key("ArrowLeft", "ArrowLeft", 37)
    check_state(c, dev.evaluate(STATE), total - 2, f"{name} after ←")
    dev.key("Home", "Home", 36)
    check_state(c, dev.evaluate(STATE), 0, f"{name} after Home")
    button = dev.evaluate("(() => { const r = document.getElementById('next').getBoundingClientRect();"
                          " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    dev.click(*button)
    check_state(c, dev.evaluate(STATE), 1, f"{name} after the ▶ button")
    dev.key("End", "End", 35)
    check_state(c, dev.evaluate(STATE), total - 1, f"{name} after End")
    return state


def click_box(dev, c, name, box):
    """Clicks the value box named `box`; returns the detail panel's text."""
    centre = dev.evaluate(
        "(() => { const g = Array.from(document.querySelectorAll('#drawing .node.value'))"
        f".find(n => n.getAttribute('data-name') === {json.dumps(box)});"
        " if (!g) return null; g.scrollIntoView({block: 'center', inline: 'center'});"
        " const r = g.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    c.expect(centre is not None, f"{name}: no box {box} to click")
    if centre is None:
        return ""
    dev.click(*centre)
    return dev.evaluate("document.getElementById('detail-body').textContent")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", help="check this page instead of writing the examples' pages")
    parser.add_argument("--out", default=os.path.join(ROOT, "check-tape-page-output"), help="folder for the screenshots")
    parser.add_argument("--browser", help="the Chromium executable")
    parser.add_argument("--examples", help="an Examples executable already built, to write the pages with "
                        "(instead of building it in release)")
    parser.add_argument("--size", default="1400x900", help="the window, WIDTHxHEIGHT (e.g. 1280x800, 1920x1080)")
    args = parser.parse_args()

    browser = args.browser or next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome",
                                                               "google-chrome-stable") if shutil.which(b)), None)
    if not browser:
        print("check_tape_page: no Chromium found (apt-get install chromium): skipped")
        return 0
    os.makedirs(args.out, exist_ok=True)
    pages = []
    if args.page:
        pages.append(("page", args.page, None))
    else:
        if args.examples:
            examples = [os.path.abspath(args.examples)]
        else:
            subprocess.run(["swift", "build", "-c", "release", "--product", "Examples"], cwd=ROOT, check=True)
            examples = ["swift", "run", "-c", "release", "Examples"]
        tape = os.path.join(args.out, "tape.html")
        softmax = os.path.join(args.out, "softmax.html")
        subprocess.run(examples + ["tape", "--html", tape, "--dot", os.path.join(args.out, "tape.dot")], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(examples + ["softmax", "--html", softmax], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        pages.append(("tape", tape, {"a": ("2", "grad −24"), "b": ("−3", "grad 16"), "c": ("10", "grad 8"),
                                     "t1": ("−6", "grad 8"), "t2": ("4", "grad 8"), "t3": ("16", "grad 1")}))
        pages.append(("softmax", softmax, None))
        ninja = os.path.join(args.out, "ninja.html")
        subprocess.run(examples + ["backprop-ninja", "--html", ninja], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        pages.append(("ninja", ninja, None))
        pages.append(("ninja-slip", os.path.join(args.out, "ninja-slip.html"), None))

    width, height = (int(v) for v in args.size.lower().split("x"))
    profile = tempfile.mkdtemp(prefix="check-tape-page-")
    process = subprocess.Popen([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                                "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                                "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = Checker()
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        target = next(t for t in targets if t.get("type") == "page")
        dev = DevTools(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Network", "Log"):
            dev.call(f"{domain}.enable")
        dev.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

        for name, path, expected in pages:
            dev.events.clear()
            check_tape_page(dev, c, path, args.out, name, expected)
            if name == "tape":
                text = click_box(dev, c, name, "a")
                c.expect("gradient ∂L/∂a" in text and "−24" in text, f"{name}: clicking a shows '{text[:120]}'")
                dev.screenshot(os.path.join(args.out, f"{name}-detail-a.png"))
                dev.key("Home", "Home", 36)
                hidden = dev.evaluate("getComputedStyle(document.querySelector('#detail-body .gradpart')).display")
                c.expect(hidden == "none", f"{name}: a's gradient shown in the detail before backward reached it ({hidden})")
            if name == "ninja-slip":
                flagged = dev.evaluate("Array.from(document.querySelectorAll('#drawing .first-wrong')).map(n => n.getAttribute('data-name'))")
                c.expect(flagged == ["bndiff2"], f"{name}: first wrong step outlined: {flagged}")
                detail = dev.evaluate("document.getElementById('detail-body').textContent")
                c.expect("your derivation: wrong" in detail, f"{name}: the first wrong step's details are not open: '{detail[:80]}'")
            if name == "softmax":
                flagged = dev.evaluate("Array.from(document.querySelectorAll('#drawing .first-wrong')).map(n => n.getAttribute('data-name'))")
                c.expect(flagged == ["logits"], f"{name}: first wrong step outlined: {flagged}")
                detail = dev.evaluate("document.getElementById('detail-body').textContent")
                c.expect("your derivation: wrong" in detail, f"{name}: the first wrong step's details are not open: '{detail[:80]}'")
                side = dev.evaluate("document.querySelector('table.side').textContent")
                c.expect("0.659001" in side, f"{name}: hand/tape/finite differences table: '{side}'")
                dev.screenshot(os.path.join(args.out, f"{name}-report.png"))
            external = [e["params"]["request"]["url"] for e in dev.events if e["method"] == "Network.requestWillBeSent"
                        and not e["params"]["request"]["url"].startswith(("file:", "data:", "about:"))]
            c.expect(not external, f"{name}: network requests {external}")
            errors = [e for e in dev.events if e["method"] == "Runtime.exceptionThrown"
                      or (e["method"] == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")]
            c.expect(not errors, f"{name}: errors {errors[:3]}")
        dev.ws.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)

    shots = sorted(f for f in os.listdir(args.out) if f.endswith(".png"))
    print(f"{c.checks} checks, {len(c.failures)} failed; screenshots in {args.out}: {', '.join(shots)}")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
