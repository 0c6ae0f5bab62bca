#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ketnap_fuzz::person_form(data));
