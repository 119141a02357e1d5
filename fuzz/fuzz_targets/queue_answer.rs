#![no_main]
// Body: fuzz_targets::run("queue_answer", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("queue_answer", data).expect("known target");
});
