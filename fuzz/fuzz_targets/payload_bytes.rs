#![no_main]
// Body: fuzz_targets::run("payload_bytes", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("payload_bytes", data).expect("known target");
});
