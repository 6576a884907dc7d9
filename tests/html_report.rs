//! The HTML report rendered by a real browser: headless Chromium loads the
//! page and the DOM it builds must hold every step and one arrow per packet
//! the JSON story lists; choosing a step must highlight exactly its packets.
//!
//! Then the report as a reader uses it, in headless Chromium, in both
//! languages, on the Chromium, curl, HTTP/3 and WebSocket samples: one
//! lane per host and a bus for broadcast and multicast; an SVG that scales
//! to its column; lane labels inside the viewport and apart at 1366×768
//! and at 800 px; a waterfall; steps that are keyboard buttons; `#step=`
//! scrolling to the step and highlighting exactly its packets; a click
//! updating the address; runs of segments that open; and a printed
//! handout that carries every row of the ladder (no scroll box cuts it).
//!
//! A probe script is appended to the page: it acts like a reader (click,
//! Enter) and writes what the DOM then holds into an element, which
//! `--dump-dom` hands back.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (NETEXPLAIN_REQUIRE_CHROMIUM is set) but not installed"
        );
        eprintln!("chromium not installed: HTML DOM test skipped (apt-get install chromium)");
    }
    found
}

fn dump_dom(browser: &str, url: &str, dir: &Path) -> String {
    let out = run_browser(
        browser,
        dir,
        &[
            "--virtual-time-budget=2000".into(),
            "--dump-dom".into(),
            url.to_string(),
        ],
    );
    String::from_utf8(out).unwrap()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn report_renders_steps_and_ladder_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = std::env::temp_dir().join(format!("netexplain-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = sample("curl-redirect.pcapng");
    let report_path = dir.join("report.html");
    report("curl-redirect.pcapng", "en", &report_path);
    let json = netexplain(&[
        "explain",
        sample.to_str().unwrap(),
        "--lang",
        "en",
        "--format",
        "json",
    ]);
    let story: Value = serde_json::from_slice(&json.stdout).unwrap();
    let load = &story["page_loads"][0];
    let arrows = load["ladder"]["arrows"].as_array().unwrap();
    let dns_arrows = arrows
        .iter()
        .filter(|a| a["steps"].as_array().unwrap().iter().any(|s| s == "dns"))
        .count();
    assert!(dns_arrows >= 2, "the DNS step has packets in the diagram");

    let url = format!("file://{}#step=dns", report_path.display());
    let dom = dump_dom(browser, &url, &dir);
    for id in [
        "url",
        "cache",
        "dns",
        "arp",
        "tcp_handshake",
        "tls_handshake",
        "http",
        "render",
        "tcp_teardown",
    ] {
        assert!(
            dom.contains(&format!("data-step=\"{id}\"")),
            "step {id} is in the DOM"
        );
    }
    // Every step of every page load and other story, and every arrow,
    // made it into the DOM.
    let told = || {
        story["page_loads"]
            .as_array()
            .unwrap()
            .iter()
            .chain(story["other_stories"].as_array().unwrap())
    };
    let steps: usize = told().map(|p| p["steps"].as_array().unwrap().len()).sum();
    assert_eq!(count(&dom, "class=\"step "), steps);
    let all_arrows: usize = told()
        .map(|p| p["ladder"]["arrows"].as_array().unwrap().len())
        .sum();
    assert_eq!(count(&dom, "<g class=\"arrow"), all_arrows);
    // The script ran: the chosen step is active and only its packets are
    // highlighted in the first page load's diagram.
    assert!(dom.contains("class=\"step observed active\" data-step=\"dns\""));
    let first_load = dom.split("<section class=\"load\"").nth(1).unwrap();
    // Arrows to a broadcast or multicast group are drawn as a bus.
    let marked = |state: &str| {
        count(first_load, &format!("class=\"arrow {state}\""))
            + count(first_load, &format!("class=\"arrow bus {state}\""))
    };
    assert_eq!(marked("hl"), dns_arrows);
    assert_eq!(marked("dim"), arrows.len() - dns_arrows);
    std::fs::remove_dir_all(&dir).ok();
}

const SAMPLES: [&str; 4] = [
    "chromium-pageload.pcapng",
    "curl-redirect.pcapng",
    "http3.pcapng",
    "websocket.pcapng",
];

const PROBE: &str = r#"<script>
(function(){
function box(e){var r=e.getBoundingClientRect();return {l:r.left,t:r.top,r:r.right,b:r.bottom}}
function hl(load){return Array.prototype.map.call(load.querySelectorAll('.ladder .arrow.hl'),function(a){return +a.dataset.frame})}
function firstHl(load){var a=load.querySelector('.ladder .arrow.hl, .ladder .run.hl');
  while(a&&a.closest('.row')&&a.closest('.row').style.display==='none'){a=null}
  return a?box(a):null}
setTimeout(function(){
  var load=document.querySelector('.load'),out={iw:innerWidth,ih:innerHeight};
  var head=load.querySelector('.diagram-head'),svg=load.querySelector('.diagram');
  out.scale=head.getBoundingClientRect().width/head.viewBox.baseVal.width;
  out.viewBox=svg.getAttribute('viewBox');out.widthAttr=svg.getAttribute('width');
  out.svgWidth=svg.getBoundingClientRect().width;
  out.bodyWidth=load.querySelector('.ladder-body').clientWidth;
  out.lanes=Array.prototype.map.call(load.querySelectorAll('.ladder .lane'),function(l){
    var t=l.querySelector('.lane-label');
    return {role:l.dataset.role,addrs:l.dataset.addrs.split(' '),box:box(t),
      lines:Array.prototype.map.call(t.querySelectorAll('tspan'),function(s){return s.textContent})}});
  out.arrows=load.querySelectorAll('.ladder .arrow').length;
  // Each drawn arrow of a connection: its colour as drawn and its label.
  out.conns=Array.prototype.map.call(load.querySelectorAll('.ladder .arrow[data-conn]'),function(a){
    var l=a.querySelector('.label');
    return {frame:+a.dataset.frame,conn:+a.dataset.conn,color:getComputedStyle(a.querySelector('line')).stroke,
      label:l?l.textContent:''}});
  out.labels=Array.prototype.map.call(load.querySelectorAll('.ladder .label'),function(l){return l.textContent});
  out.bus=Array.prototype.map.call(load.querySelectorAll('.ladder .arrow.bus'),function(a){return +a.dataset.frame});
  out.waterfall=Array.prototype.map.call(load.querySelectorAll('.waterfall .wf-row'),function(r){
    return Array.prototype.map.call(r.querySelectorAll('.phase'),function(p){return p.classList[1]})});
  out.steps=Array.prototype.map.call(load.querySelectorAll('.step'),function(s){
    return {id:s.dataset.step,tabindex:s.getAttribute('tabindex'),role:s.getAttribute('role')}});
  // As loaded from the address.
  var act=load.querySelector('.step.active');
  out.loaded={active:act&&act.dataset.step,top:act&&box(act).t,hl:hl(load),first:firstHl(load),
    ladder:box(load.querySelector('.ladder')),body:box(load.querySelector('.ladder-body')),scrollY:scrollY};
  // A click.
  var click=load.querySelector('.step[data-step="'+window.PROBE_CLICK+'"]');click.click();
  out.clicked={hash:location.hash,hl:hl(load),first:firstHl(load),body:box(load.querySelector('.ladder-body'))};
  // The keyboard: Tab to a step, Enter.
  var key=load.querySelector('.step[data-step="'+window.PROBE_KEY+'"]');key.focus();
  key.dispatchEvent(new KeyboardEvent('keydown',{key:'Enter',bubbles:true}));
  out.keyed={focused:document.activeElement===key,active:key.classList.contains('active'),hash:location.hash,hl:hl(load)};
  // A run of segments opens into its packets.
  var run=load.querySelector('.ladder .run');
  if(run){
    var before=svg.viewBox.baseVal.height,members=load.querySelectorAll('.member[data-run="'+run.dataset.run+'"]');
    run.dispatchEvent(new KeyboardEvent('keydown',{key:'Enter',bubbles:true}));
    out.run={count:+run.dataset.count,members:members.length,expanded:run.getAttribute('aria-expanded'),
      shown:Array.prototype.filter.call(members,function(m){return m.style.display!=='none'}).length,
      grew:svg.viewBox.baseVal.height-before};
  }
  var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
},300);
})();
</script>"#;

/// Runs headless Chromium with a fresh profile.
fn run_browser(browser: &str, dir: &Path, args: &[String]) -> Vec<u8> {
    let profile = dir.join(format!("profile-{}", rand_suffix()));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&profile).ok();
    out.stdout
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netexplain-report-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(sample_name: &str, lang: &str, path: &Path) {
    let s = sample(sample_name);
    let out = netexplain(&[
        "explain",
        s.to_str().unwrap(),
        "--lang",
        lang,
        "--format",
        "html",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn frames_of(step: &Value) -> BTreeSet<u64> {
    step["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_u64().unwrap())
        .collect()
}

fn set(v: &Value) -> BTreeSet<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_u64().unwrap())
        .collect()
}

struct Rect {
    l: f64,
    t: f64,
    r: f64,
    b: f64,
}

fn rect(v: &Value) -> Rect {
    let f = |k: &str| v[k].as_f64().unwrap();
    Rect {
        l: f("l"),
        t: f("t"),
        r: f("r"),
        b: f("b"),
    }
}

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b
}

/// The steps the probe chooses: one from the address (late in the
/// ladder, so that choosing it must scroll), one clicked, one by key.
fn choices(load: &Value) -> (String, String, String) {
    let arrows: BTreeSet<u64> = load["ladder"]["arrows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["frame"].as_u64().unwrap())
        .collect();
    let drawn = |id: &str| {
        load["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .is_some_and(|s| frames_of(s).iter().any(|f| arrows.contains(f)))
    };
    let pick = |ids: &[&str]| {
        ids.iter()
            .find(|i| drawn(i))
            .map(|s| s.to_string())
            .expect("a step with packets in the diagram")
    };
    (
        pick(&["tcp_teardown", "http", "tls_handshake"]),
        pick(&["dns", "tcp_handshake"]),
        pick(&["tls_handshake", "tcp_handshake", "http"]),
    )
}

fn probe(browser: &str, dir: &Path, html: &Path, width: u32, height: u32, load: &Value) -> Value {
    let (from_address, click, key) = choices(load);
    let page = std::fs::read_to_string(html).unwrap();
    let probed = dir.join(format!("probe-{width}.html"));
    let script = format!(
        "<script>window.PROBE_CLICK='{click}';window.PROBE_KEY='{key}';</script>{PROBE}</body>"
    );
    std::fs::write(&probed, page.replace("</body>", &script)).unwrap();
    let dom = run_browser(
        browser,
        dir,
        &[
            format!("--window-size={width},{height}"),
            "--virtual-time-budget=3000".into(),
            "--dump-dom".into(),
            format!("file://{}#step={from_address}", probed.display()),
        ],
    );
    let dom = String::from_utf8(dom).unwrap();
    let json = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe ran at {width} px"));
    let mut v: Value = serde_json::from_str(&unescape(json)).unwrap();
    v["choices"] = serde_json::json!([from_address, click, key]);
    v
}

fn check_probe(sample_name: &str, lang: &str, width: u32, v: &Value, load: &Value) {
    let at = format!("{sample_name} {lang} {width}px");
    let hosts = load["diagram"]["hosts"].as_array().unwrap();
    let lanes = v["lanes"].as_array().unwrap();
    // One lane per host, each listing the host's addresses.
    assert_eq!(lanes.len(), hosts.len(), "{at}: one lane per host");
    for (l, h) in lanes.iter().zip(hosts) {
        let addrs: Vec<&str> = h["addrs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let shown: Vec<&str> = l["addrs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(shown, addrs, "{at}");
        let lines: Vec<&str> = l["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        for a in &addrs {
            assert!(lines.contains(a), "{at}: lane header lists {a}: {lines:?}");
        }
    }
    // No lane for a group address, and no address in two lanes.
    let mut seen = BTreeSet::new();
    for l in lanes {
        for a in l["addrs"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            assert!(!a.starts_with("ff0"), "{at}: {a} is a bus, not a lane");
            assert!(seen.insert(a.to_string()), "{at}: {a} in two lanes");
        }
    }
    // Every arrow of the story, and the bus arrows.
    let arrows = load["ladder"]["arrows"].as_array().unwrap();
    assert_eq!(v["arrows"].as_u64().unwrap() as usize, arrows.len(), "{at}");
    let bus_expected: BTreeSet<u64> = load["diagram"]["arrows"]
        .as_array()
        .unwrap()
        .iter()
        .zip(arrows)
        .filter(|(w, _)| w["bus"] == true)
        .map(|(_, a)| a["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(set(&v["bus"]), bus_expected, "{at}: bus arrows");
    // One colour per connection, as drawn: every arrow of a connection
    // in its colour, no two connections alike (eight colours: the samples
    // have fewer connections), and the ports on each arrow's label.
    let conns = load["diagram"]["connections"].as_array().unwrap();
    let want: std::collections::BTreeMap<u64, u64> = load["diagram"]["arrows"]
        .as_array()
        .unwrap()
        .iter()
        .zip(arrows)
        .filter_map(|(w, a)| Some((a["frame"].as_u64().unwrap(), w["conn"].as_u64()?)))
        .collect();
    let drawn = v["conns"].as_array().unwrap();
    assert!(!drawn.is_empty(), "{at}: arrows of connections");
    let mut colour_of: std::collections::BTreeMap<u64, String> = Default::default();
    for a in drawn {
        let (f, c) = (a["frame"].as_u64().unwrap(), a["conn"].as_u64().unwrap());
        assert_eq!(want.get(&f), Some(&c), "{at}: frame {f} in connection {c}");
        let colour = a["color"].as_str().unwrap().to_string();
        assert_eq!(
            colour_of.entry(c).or_insert(colour.clone()),
            &colour,
            "{at}: frame {f} in its connection's colour"
        );
        let cc = &conns[c as usize];
        let (cp, sp) = (&cc["client_port"], &cc["server_port"]);
        let label = a["label"].as_str().unwrap();
        assert!(
            label.starts_with(&format!("{cp}→{sp}")) || label.starts_with(&format!("{sp}→{cp}")),
            "{at}: frame {f} label {label:?} names the ports {cp} and {sp}"
        );
    }
    let colours: BTreeSet<&String> = colour_of.values().collect();
    assert!(conns.len() <= 8, "{at}");
    assert_eq!(colours.len(), colour_of.len(), "{at}: {colour_of:?}");
    // Message names are words, not identifiers: no label holds a
    // snake_case name like client_hello or change_cipher_spec, and the
    // TLS samples' hellos read ClientHello and ServerHello.
    let labels: Vec<&str> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for l in &labels {
        let b = l.as_bytes();
        let ident = (1..b.len().saturating_sub(1)).any(|i| {
            b[i] == b'_' && b[i - 1].is_ascii_lowercase() && b[i + 1].is_ascii_lowercase()
        });
        assert!(!ident, "{at}: {l:?} names a message by its identifier");
    }
    if sample_name != "websocket.pcapng" {
        for hello in ["ClientHello", "ServerHello"] {
            assert!(
                labels.iter().any(|l| l.contains(hello)),
                "{at}: a label reads {hello}"
            );
        }
    }
    // The SVG scales: a viewBox, no fixed width, as wide as its column.
    assert!(v["viewBox"].as_str().unwrap().starts_with("0 0 "), "{at}");
    assert!(v["widthAttr"].is_null(), "{at}: no fixed width");
    let (svg_w, body_w) = (
        v["svgWidth"].as_f64().unwrap(),
        v["bodyWidth"].as_f64().unwrap(),
    );
    assert!(
        (svg_w - body_w).abs() <= 2.0,
        "{at}: the diagram fills its column ({svg_w} vs {body_w})"
    );
    // Every lane label is readable: inside the viewport, apart from the
    // others, and drawn at least 8 px high.
    let iw = v["iw"].as_f64().unwrap();
    let ih = v["ih"].as_f64().unwrap();
    let boxes: Vec<Rect> = lanes.iter().map(|l| rect(&l["box"])).collect();
    for (i, b) in boxes.iter().enumerate() {
        assert!(
            b.l >= 0.0 && b.r <= iw && b.t >= 0.0 && b.b <= ih,
            "{at}: lane label {i} within the viewport ({} {} {} {}; {iw}×{ih})",
            b.l,
            b.t,
            b.r,
            b.b
        );
        for (j, c) in boxes.iter().enumerate().skip(i + 1) {
            assert!(!overlap(b, c), "{at}: lane labels {i} and {j} overlap");
        }
    }
    let px = 12.0 * v["scale"].as_f64().unwrap();
    assert!(px >= 8.0, "{at}: diagram text is {px:.1} px");
    // A waterfall row per connection or request, each with its phases.
    let rows = v["waterfall"].as_array().unwrap();
    let expected = load["diagram"]["waterfall"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len(), "{at}");
    assert!(!rows.is_empty(), "{at}: a waterfall");
    for (r, e) in rows.iter().zip(expected) {
        let kinds: Vec<&Value> = e["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["kind"])
            .collect();
        assert_eq!(
            r.as_array().unwrap().iter().collect::<Vec<_>>(),
            kinds,
            "{at}"
        );
        // A page load downloads; a WebSocket session's rows may end at
        // the lookup of an attempt that was refused.
        if load["kind"] == "page_load" {
            assert!(kinds.iter().any(|k| *k == "download"), "{at}: {kinds:?}");
        }
    }
    // Steps are buttons in the tab order.
    for s in v["steps"].as_array().unwrap() {
        assert_eq!(s["tabindex"], "0", "{at}");
        assert_eq!(s["role"], "button", "{at}");
    }
    let step_frames = |id: &Value| -> BTreeSet<u64> {
        let all: BTreeSet<u64> = arrows
            .iter()
            .map(|a| a["frame"].as_u64().unwrap())
            .collect();
        let s = load["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == *id)
            .unwrap();
        frames_of(s).intersection(&all).copied().collect()
    };
    let [from_address, click, key] = [0, 1, 2].map(|i| &v["choices"][i]);
    // Loaded with #step=…: that step is active and scrolled to the top
    // of the window, exactly its packets are highlighted, and the first
    // of them is in view in the ladder, which stays in the window.
    let loaded = &v["loaded"];
    assert_eq!(&loaded["active"], from_address, "{at}");
    let top = loaded["top"].as_f64().unwrap();
    let ladder = rect(&loaded["ladder"]);
    if width > 1000 {
        assert!((-1.0..ih / 2.0).contains(&top), "{at}: step at {top}");
    } else {
        // Narrow: the ladder stays above the steps, and the step comes to
        // rest just below it.
        assert!(
            top >= ladder.b - 1.0 && top < ih,
            "{at}: step at {top}, ladder ends at {}",
            ladder.b
        );
    }
    assert_eq!(set(&loaded["hl"]), step_frames(from_address), "{at}");
    let body = rect(&loaded["body"]);
    let first = rect(&loaded["first"]);
    assert!(
        first.t >= body.t - 1.0 && first.b <= body.b + 1.0,
        "{at}: highlighted arrow in view ({} {} in {} {})",
        first.t,
        first.b,
        body.t,
        body.b
    );
    assert!(
        ladder.t >= -1.0 && ladder.t < ih / 2.0 && body.b <= ih + 1.0,
        "{at}: the ladder stays beside the step ({} {})",
        ladder.t,
        body.b
    );
    if width > 1000 {
        assert!(
            loaded["scrollY"].as_f64().unwrap() > 0.0,
            "{at}: the page scrolled to the step"
        );
    }
    // A click puts the step in the address and its packets in view.
    let clicked = &v["clicked"];
    assert_eq!(
        clicked["hash"],
        format!("#step={}", click.as_str().unwrap()),
        "{at}"
    );
    assert_eq!(set(&clicked["hl"]), step_frames(click), "{at}");
    let (first, body) = (rect(&clicked["first"]), rect(&clicked["body"]));
    assert!(first.t >= body.t - 1.0 && first.b <= body.b + 1.0, "{at}");
    // Enter on a focused step chooses it.
    let keyed = &v["keyed"];
    assert_eq!(keyed["focused"], true, "{at}");
    assert_eq!(keyed["active"], true, "{at}");
    assert_eq!(
        keyed["hash"],
        format!("#step={}", key.as_str().unwrap()),
        "{at}"
    );
    assert_eq!(set(&keyed["hl"]), step_frames(key), "{at}");
    // A run opens into its packets, and the diagram grows by their rows.
    if let Some(run) = v.get("run") {
        let n = run["count"].as_u64().unwrap();
        assert!(n >= 4, "{at}");
        assert_eq!(run["members"].as_u64().unwrap(), n, "{at}");
        assert_eq!(run["shown"].as_u64().unwrap(), n, "{at}");
        assert_eq!(run["expanded"], "true", "{at}");
        assert_eq!(run["grew"].as_f64().unwrap(), 22.0 * n as f64, "{at}");
    }
}

#[test]
fn report_reads_well_in_chromium_at_1366_and_800_px() {
    let Some(browser) = chromium() else { return };
    let dir = workdir("dom");
    let mut runs = 0;
    for s in SAMPLES {
        for lang in ["en", "zh"] {
            let html = dir.join(format!("{s}-{lang}.html"));
            report(s, lang, &html);
            let story = story(s, &["--lang", lang]);
            let load = &story["page_loads"][0];
            for (w, h) in [(1366, 768), (800, 900)] {
                let v = probe(browser, &dir, &html, w, h, load);
                check_probe(s, lang, w, &v, load);
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 16);
    std::fs::remove_dir_all(&dir).ok();
}

/// Width and height of a PNG (RFC 2083: the IHDR chunk comes first).
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn screenshots_at_1366_and_800_px() {
    let Some(browser) = chromium() else { return };
    let dir = workdir("shots");
    for s in SAMPLES {
        for lang in ["en", "zh"] {
            let html = dir.join(format!("{s}-{lang}.html"));
            report(s, lang, &html);
            for (w, h) in [(1366, 768), (800, 900)] {
                let png = dir.join(format!("{s}-{lang}-{w}.png"));
                run_browser(
                    browser,
                    &dir,
                    &[
                        format!("--window-size={w},{h}"),
                        format!("--screenshot={}", png.display()),
                        format!("file://{}", html.display()),
                    ],
                );
                let bytes = std::fs::read(&png).unwrap();
                assert_eq!(png_size(&bytes), (w, h), "{s} {lang}");
                // A blank page compresses to a few kilobytes.
                assert!(
                    bytes.len() > 40_000,
                    "{s} {lang} {w}: {} bytes",
                    bytes.len()
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn printed_handout_carries_the_whole_ladder() {
    let Some(browser) = chromium() else { return };
    if !tool("pdfinfo") || !tool("pdftotext") {
        assert!(
            std::env::var_os("NETEXPLAIN_REQUIRE_CHROMIUM").is_none(),
            "poppler-utils is required with chromium"
        );
        eprintln!("poppler-utils not installed: print test skipped");
        return;
    }
    let dir = workdir("print");
    for s in SAMPLES {
        for lang in ["en", "zh"] {
            let html = dir.join(format!("{s}-{lang}.html"));
            report(s, lang, &html);
            let pdf = dir.join(format!("{s}-{lang}.pdf"));
            run_browser(
                browser,
                &dir,
                &[
                    "--no-pdf-header-footer".into(),
                    format!("--print-to-pdf={}", pdf.display()),
                    format!("file://{}", html.display()),
                ],
            );
            let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
            let info = String::from_utf8_lossy(&info.stdout).to_string();
            let pages: u32 = info
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .and_then(|p| p.trim().parse().ok())
                .unwrap();
            assert!(pages >= 2, "{s} {lang}: {pages} pages");
            let text = Command::new("pdftotext")
                .args(["-layout"])
                .arg(&pdf)
                .arg("-")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&text.stdout).to_string();
            // Every row of the printed ladder is on paper: no scroll box
            // kept the ones below its first screenful.
            let page = std::fs::read_to_string(&html).unwrap();
            let printed = page.split("class=\"print-ladder\"").nth(1).unwrap();
            // Rows folded into a run are drawn as the run's one arrow
            // with its count; every other row must be printed.
            let rows: Vec<&str> = printed
                .split("<g class=\"row")
                .filter(|g| !g.starts_with(" member"))
                .flat_map(|g| g.split("<text class=\"frame\" x=\"4\" y=\"15\">").skip(1))
                .map(|r| r.split('<').next().unwrap())
                .collect();
            assert!(rows.len() >= 10, "{s} {lang}: {} rows", rows.len());
            for r in &rows {
                assert!(text.contains(r), "{s} {lang}: row {r} is not in the PDF");
            }
            // Each piece of the ladder has its own lane headers.
            let pieces = printed.matches("<svg class=\"diagram-page\"").count();
            let story = story(s, &["--lang", lang]);
            let client_addr = story["page_loads"][0]["diagram"]["hosts"][0]["addrs"][0]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                text.matches(&client_addr).count() >= pieces,
                "{s} {lang}: lane headers on every piece"
            );
            assert!(pieces as u32 <= pages, "{s} {lang}");
            // And the steps are all there. (pdftotext does not map the
            // glyph of 页 in the CJK font back to its code point, so it is
            // left out of the comparison.)
            let flatten = |t: &str| -> String {
                t.chars()
                    .filter(|c| !c.is_whitespace() && *c != '页')
                    .collect()
            };
            let flat = flatten(&text);
            for st in story["page_loads"][0]["steps"].as_array().unwrap() {
                let title = st["title"].as_str().unwrap();
                let words = flatten(title);
                assert!(flat.contains(&words), "{s} {lang}: step {title} printed");
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The loads table and the other stories, as Chromium builds them, in
/// both languages: one row per load of the JSON's `loads` with its host,
/// protocol, connections, bytes and every step's status in a coloured
/// cell (a step a load lacks is not applicable), the host linking to the
/// load told below; then one section per story of `other_stories` with
/// its steps, each a keyboard button like a page load's.
#[test]
fn loads_table_and_other_stories_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = workdir("loads");
    for (name, lang) in [
        ("repeated-visits.pcapng", "en"),
        ("dhcp-pageload.pcapng", "zh"),
        ("chromium-pageload.pcapng", "en"),
        ("websocket.pcapng", "zh"),
    ] {
        let html = dir.join(format!("{name}.{lang}.html"));
        report(name, lang, &html);
        let json = netexplain(&[
            "explain",
            sample(name).to_str().unwrap(),
            "--lang",
            lang,
            "--format",
            "json",
        ]);
        let story: Value = serde_json::from_slice(&json.stdout).unwrap();
        let dom = dump_dom(browser, &format!("file://{}", html.display()), &dir);
        let table = dom
            .split("<table class=\"loads\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("{name} {lang}: no loads table"));
        let loads = story["loads"].as_array().unwrap();
        let rows: Vec<&str> = table.split("<tr data-load=").skip(1).collect();
        assert_eq!(rows.len(), loads.len(), "{name} {lang}");
        let mut ids: Vec<String> = Vec::new();
        for l in loads {
            for s in l["steps"].as_array().unwrap() {
                let id = s["id"].as_str().unwrap().to_string();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        let word = |st: &str| match (lang, st) {
            ("en", "observed") => "observed",
            ("en", "inferred") => "inferred",
            ("en", "not_visible") => "not visible",
            ("en", _) => "not applicable",
            (_, "observed") => "已观察到",
            (_, "inferred") => "推断",
            (_, "not_visible") => "不可见",
            _ => "不适用",
        };
        for (row, l) in rows.iter().zip(loads) {
            let index = l["index"].as_u64().unwrap();
            assert!(
                row.starts_with(&format!("\"{index}\"><td>{index}</td>")),
                "{row}"
            );
            let host = l["host"].as_str().unwrap();
            if l["told"].as_bool().unwrap() {
                assert!(row.contains(&format!("<a href=\"#load-{index}\">{host}</a>")));
                assert!(dom.contains(&format!("<section class=\"load\" id=\"load-{index}\"")));
            }
            for key in ["protocol", "connections", "bytes"] {
                let v = l[key].to_string();
                let cell = format!("<td>{}</td>", v.trim_matches('"'));
                assert!(row.contains(&cell), "{name} {key} {cell} in {row}");
            }
            for id in &ids {
                let st = l["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["id"] == id.as_str())
                    .map_or("not_applicable", |s| s["status"].as_str().unwrap());
                let cell = format!("<td class=\"{st}\" data-step=\"{id}\">{}</td>", word(st));
                assert!(row.contains(&cell), "{name} {lang}: {cell} in {row}");
            }
        }
        // The other stories: one section each, steps as buttons.
        let others = story["other_stories"].as_array().unwrap();
        let sections: Vec<&str> = dom.split("<section class=\"load other\"").skip(1).collect();
        assert_eq!(sections.len(), others.len(), "{name} {lang}");
        for (sec, o) in sections.iter().zip(others) {
            let sec = sec.split("</section>").next().unwrap();
            assert!(
                sec.starts_with(&format!(" data-kind={}", o["kind"])),
                "{sec}"
            );
            for s in o["steps"].as_array().unwrap() {
                let id = s["id"].as_str().unwrap();
                assert!(
                    sec.contains(&format!("data-step=\"{id}\"")) && sec.contains("role=\"button\""),
                    "{name} {lang}: other story step {id}"
                );
                let title = s["title"].as_str().unwrap();
                assert!(
                    sec.contains(&unescape_title(title)),
                    "{name} {lang}: {title}"
                );
            }
        }
        if !others.is_empty() {
            let heading = if lang == "en" {
                "Other traffic (no page load)"
            } else {
                "其他流量（不属于页面加载）"
            };
            assert!(dom.contains(heading), "{name} {lang}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A title as the DOM serialises it (`&`, `<`, `>` escaped).
fn unescape_title(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
