#![no_main]
// Body: fuzz_targets::run("rayservice", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("rayservice", data).expect("known target");
});
