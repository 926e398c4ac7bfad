const ACCEPT_ANY: bool = true;
const ACCEPT_VALID_ONLY: bool = false;

pub fn clients(builder: reqwest::ClientBuilder, other: reqwest::ClientBuilder, third: reqwest::ClientBuilder) {
    let _ = builder.danger_accept_invalid_certs(ACCEPT_ANY); // expect: lang-rs-value-one-of
    let _ = other.danger_accept_invalid_certs(ACCEPT_VALID_ONLY); // ok: lang-rs-value-one-of
    let _ = third.danger_accept_invalid_certs(true); // expect: lang-rs-value-one-of
}
