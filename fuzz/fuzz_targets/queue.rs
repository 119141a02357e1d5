#![no_main]
// Body: fuzz_targets::run("queue", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("queue", data).expect("known target");
});
