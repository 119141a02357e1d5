#![no_main]
// Body: fuzz_targets::run("quantity", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("quantity", data).expect("known target");
});
