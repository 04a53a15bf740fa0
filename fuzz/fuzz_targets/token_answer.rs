//! The token endpoint's answer: any status, any body.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&hi, rest)) = data.split_first() else {
        return;
    };
    let status = [200u16, 400, 401, 403, 302, 500][usize::from(hi) % 6];
    let url = "https://x.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
    match nskeys::netsuite::token::read_answer(url, status, rest, None) {
        Ok(nskeys::netsuite::token::Answer::Issued(i)) => assert!(!i.access_token.is_empty()),
        Ok(_) => {}
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
