//! The token-string parser and the redaction of token-shaped text: no input
//! may panic, and anything that parses must name a real id and kind.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = tokctl::secret::parse(text) {
        assert_eq!(text.len(), tokctl::secret::TOKEN_LEN);
        assert_eq!(parsed.id.to_string(), text[4..15]);
        let _ = parsed.hash();
    }
    let redacted = tokctl::secret::redact_tokens(text);
    assert!(tokctl::secret::parse(&redacted).is_err() || redacted == text);
    let _ = text.parse::<tokctl::model::TokenId>();
});
