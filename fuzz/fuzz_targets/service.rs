#![no_main]
// Body: fuzz_targets::run("service", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("service", data).expect("known target");
});
