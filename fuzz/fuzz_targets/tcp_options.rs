//! The TCP options area.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = netexplain::decode::tcp::parse_options(data);
});
