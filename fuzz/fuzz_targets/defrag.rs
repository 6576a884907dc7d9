//! IP fragment reassembly: fragments described by the input, offered in
//! order; what a bound allows must hold and a datagram is whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netexplain::flow::defrag::fuzz_fragments;

fuzz_target!(|data: &[u8]| {
    fuzz_fragments(data);
});
