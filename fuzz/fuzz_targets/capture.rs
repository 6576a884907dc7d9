//! A whole capture file's bytes: format sniffing, pcap/pcapng blocks,
//! decoding, conversation tracking and reassembly, and the story.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::capture::CaptureReader;
use netexplain::explain::{Explainer, Options};
use netexplain::flow::Tracker;
use netexplain::notes::{Lang, Notes};
use netexplain::pipeline;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = CaptureReader::new(std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let mut tracker = Tracker::default();
    let mut explainer = Explainer::new(Options::default(), Notes::builtin(Lang::En));
    let _ = pipeline::run(&mut reader, &mut tracker, Some(10_000), |p| {
        explainer.observe(p);
        Ok(())
    });
    let story = explainer.story();
    let mut out = String::new();
    netexplain::render::story::text(&story, false, &mut out);
});
