#![no_main]
// Body: fuzz_targets::run("settings", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("settings", data).expect("known target");
});
