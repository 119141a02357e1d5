#![no_main]
// Body: fuzz_targets::run("podgroup_list", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("podgroup_list", data).expect("known target");
});
