//! `nskeys rotate --upload`: the new certificate goes to NetSuite through its certificate API,
//! is proven with a token exchange, the pointers switch, and with `--revoke-old` the old
//! certificate is revoked. A child of `rotate` so it shares its context and steps.

use super::{Ctx, current_certificate, dated_pair, new_pair, params_for, prove, switch};
use crate::commands::preflight::{self, ExchangeParams, Plan};
use crate::error::{Error, Result, Status};
use crate::netsuite::certs_api::{self, ApiAction, api_base};
use crate::origin::{Origin, Sourced};
use crate::store::read::read_capped;
use crate::store::state::{self, Entry, PairStatus};

/// `{"fileContent", "role", "entity"}`: IDs as numbers when they are numbers.
fn upload_body(pem: &str, role: &str, entity: &str) -> String {
    let id = |s: &str| match s.trim().parse::<i64>() {
        Ok(n) => serde_json::Value::from(n),
        Err(_) => serde_json::Value::from(s.trim()),
    };
    serde_json::json!({"fileContent": pem, "role": id(role), "entity": id(entity)}).to_string()
}

pub(super) fn upload(ctx: &mut Ctx<'_>) -> Result<Status> {
    let args = ctx.args;
    let value = |v: &Option<Sourced<String>>| v.as_ref().map(|v| v.value.clone());
    let role = value(&args.role).unwrap_or_default();
    let entity = value(&args.entity).unwrap_or_default();
    let base = api_base(
        args.api_url.as_ref().map(|u| u.value.as_str()),
        args.exchange.token_url.as_ref().map(|u| u.value.as_str()),
        args.exchange.account.as_ref().map(|a| a.value.as_str()),
    )?;
    // The current pair must work: its token does the upload, and it stays in use on failure.
    let current = ExchangeParams {
        key: ctx.key_ptr.clone().map(Into::into),
        cert: Some(ctx.cert_ptr.clone().map(Into::into)),
        ..args.exchange.clone()
    };
    let plan = preflight::plan(&current, crate::time::now())?;
    let old_id = plan.assertion.header.kid.clone();
    let client_id = plan.assertion.claims.iss.clone();
    let list_url = certs_api::certificates_url(&base, &client_id)?;
    let revoke_url = certs_api::revoke_url(&base, &client_id, &old_id)?;
    ctx.report.old_cert_id = Some(old_id.clone());
    if args.exchange.dry_run {
        return dry_run(ctx, &plan, &list_url, &revoke_url, &role, &entity);
    }
    let e = new_pair(ctx)?;
    ctx.report.new_key = Some(e.key_file.clone());
    ctx.report.new_cert = Some(e.cert_file.clone());
    if e.status == PairStatus::Uploaded && e.cert_id.is_none() {
        // Uploaded, but NetSuite's answer named no ID: a second upload would make a twin.
        return Err(Error::unknown(
            format!("{} was uploaded earlier but its certificate ID is unknown", e.cert_file),
            "find its ID with nskeys certs list (or the M2M setup page), then run nskeys rotate --new-cert-id ID",
        )
        .at(ctx.state_path.display()));
    }
    let (e, origin) = match e
        .cert_id
        .clone()
        .filter(|_| e.status == PairStatus::Uploaded)
    {
        Some(id) => {
            ctx.step(format!(
                "the new certificate was uploaded earlier as ID {id}"
            ));
            (e, Origin::StateFile(ctx.state_path.clone()))
        }
        None => (
            do_upload(ctx, e, &plan, &list_url, &role, &entity)?,
            Origin::NetSuiteAnswer,
        ),
    };
    let new_id = Sourced::new(e.cert_id.clone().unwrap_or_default(), origin);
    ctx.report.new_cert_id = Some(new_id.value.clone());
    prove(ctx, &e, &new_id, u32::MAX)?;
    switch(ctx, &e)?;
    if !args.revoke_old {
        ctx.step(format!("the old certificate {old_id} is still active in NetSuite: revoke it once every integration reads the new key (or rerun with --revoke-old)"));
        return Ok(Status::Ok);
    }
    revoke(ctx, &e, &new_id, &old_id, &revoke_url)
}

/// The certificate file a pending entry names, checked before it leaves the machine: a
/// tampered state file must not make nskeys upload a private key, or a certificate that is
/// not the new key's. It must hold certificates and nothing else, the first of them for the
/// new key.
fn upload_checked(ctx: &Ctx<'_>, e: &Entry) -> Result<String> {
    let cert_path = ctx.dir.join(&e.cert_file);
    let name = format!(
        "{}, named by the state file {}",
        cert_path.display(),
        ctx.state_path.display()
    );
    let refuse = |what: &str| {
        Error::unknown(
            format!("refusing to upload: {what}"),
            "the state file was edited or damaged: check it, or remove its pending entry and run again",
        )
        .at(&name)
    };
    let data = read_capped(&cert_path).map_err(|e| e.at(&name))?;
    let contents = crate::pki::objects::classify(&data)
        .map_err(|_| refuse("the file is not a certificate"))?;
    if contents
        .found
        .iter()
        .any(|f| !matches!(f.object, crate::pki::objects::Object::Certificate(_)))
    {
        return Err(refuse(
            "the file holds something besides certificates (a private key?)",
        ));
    }
    let cert = contents
        .certificates()
        .ok()
        .and_then(|c| c.into_iter().next())
        .ok_or_else(|| refuse("the file holds no certificate"))?;
    let key = crate::store::input::read_key(
        &Sourced::new(
            ctx.dir.join(&e.key_file).into(),
            Origin::StateFile(ctx.state_path.clone()),
        ),
        &ctx.args.exchange.passphrase,
    )?;
    let key_spki = key.loaded.key.public_key_der()?;
    if crate::pki::key::spki_key_bits(&key_spki) != crate::pki::key::spki_key_bits(&cert.spki_der) {
        return Err(refuse("the certificate is not the new key's"));
    }
    if !crate::pki::pem::looks_like_pem(&data) {
        return Err(refuse("the certificate is not PEM"));
    }
    Ok(String::from_utf8_lossy(&data).to_string())
}

fn do_upload(
    ctx: &mut Ctx<'_>,
    mut e: Entry,
    plan: &Plan,
    url: &reqwest::Url,
    role: &str,
    entity: &str,
) -> Result<Entry> {
    let pem = upload_checked(ctx, &e)?;
    let http = plan.http(plan.timeout)?;
    let token = plan.fetch_token(&http)?;
    ctx.step(format!(
        "NetSuite issued a token for the current key (certificate ID {})",
        plan.assertion.header.kid
    ));
    let answer = http.api_request(
        url,
        &token.access_token,
        Some(&upload_body(&pem, role, entity)),
    )?;
    let keep = "nothing was switched: the old key and certificate are in use and work";
    match answer.status {
        200..=299 => {}
        400..=499 => {
            ctx.step(format!(
                "NetSuite refused the upload: HTTP {}",
                answer.status
            ));
            return Err(certs_api::refused(
                ApiAction::Upload,
                &answer,
                url.as_str(),
                &format!("{keep}; check --entity and --role (the current mapping's)"),
            ));
        }
        _ => {
            return Err(certs_api::senseless(
                "unexpected answer to the upload",
                &answer,
                url.as_str(),
                &format!(
                    "{keep}; check with nskeys certs list whether it arrived, then nskeys rotate --new-cert-id ID"
                ),
            ));
        }
    }
    // NetSuite's Certificate ID is the certificate's SHA-256: nskeys knows it before the
    // upload, and an answer naming another is news to stop on (NetSuite's answer wins, but
    // the user must be told and decide).
    let predicted = current_certificate(&ctx.dir.join(&e.cert_file))?.certificate_id();
    let answered = certs_api::parse_added_id(&answer);
    let id = match answered {
        None => {
            ctx.step(format!(
                "NetSuite's answer names no certificate ID: using the one the certificate gives, {predicted}"
            ));
            predicted
        }
        Some(id) if id == predicted => id,
        Some(id) => {
            e.cert_id = Some(id.clone());
            e.status = PairStatus::Uploaded;
            ctx.state.upsert(e.clone());
            ctx.save()?;
            ctx.step(format!(
                "NetSuite answered certificate ID {id} for {}, but its SHA-256 gives {predicted}; nothing was switched",
                e.cert_file
            ));
            return Err(Error::unknown(
                format!(
                    "NetSuite answered Certificate ID {id} for the uploaded {}, not {predicted} (its SHA-256, the ID NetSuite has always given)",
                    e.cert_file
                ),
                format!(
                    "{keep}; the answer is recorded in {}. Check the new mapping on NetSuite's M2M setup page (nskeys certs list); if NetSuite shows {id}, run the same nskeys rotate again with --no-cert-id-check",
                    ctx.state_path.display()
                ),
            )
            .at(url.as_str()));
        }
    };
    e.cert_id = Some(id.clone());
    e.status = PairStatus::Uploaded;
    ctx.state.upsert(e.clone());
    ctx.save()?;
    // Oracle's add answer also says until when NetSuite takes it (its own expiry).
    let until = certs_api::parse_added(&answer.body)
        .and_then(|a| a.valid_until)
        .map(|d| format!(", valid until {d} as NetSuite says"))
        .unwrap_or_default();
    ctx.step(format!(
        "uploaded {} to {url}: certificate ID {id}{until}",
        e.cert_file
    ));
    Ok(e)
}

fn revoke(
    ctx: &mut Ctx<'_>,
    e: &Entry,
    new_id: &Sourced<String>,
    old_id: &str,
    url: &reqwest::Url,
) -> Result<Status> {
    let plan = preflight::plan(&params_for(ctx, e, new_id), crate::time::now())?;
    let http = plan.http(plan.timeout)?;
    let keep = format!(
        "the new pair is in use and works; the old certificate {old_id} is still active: revoke it in NetSuite's M2M setup page (nskeys certs list shows it)"
    );
    let token = plan.fetch_token(&http).map_err(|mut err| {
        err.hint = keep.clone();
        err
    })?;
    // Oracle's example revokes with an empty body (content-length: 0).
    let answer = http.api_request(url, &token.access_token, Some(""))?;
    match answer.status {
        200..=299 => {}
        400..=499 => {
            return Err(certs_api::refused(
                ApiAction::Revoke,
                &answer,
                url.as_str(),
                &keep,
            ));
        }
        _ => {
            return Err(certs_api::senseless(
                "unexpected answer to the revocation",
                &answer,
                url.as_str(),
                &keep,
            ));
        }
    }
    if let Some(o) = ctx
        .state
        .certificates
        .iter_mut()
        .find(|o| o.cert_id.as_deref() == Some(old_id) && o.key_file != e.key_file)
    {
        o.status = PairStatus::Revoked;
    }
    ctx.save()?;
    ctx.report.revoked = true;
    ctx.step(format!("revoked the old certificate {old_id} in NetSuite"));
    Ok(Status::Ok)
}

/// The Certificate ID the new certificate `cert_file` will have, if it exists yet.
fn pending_id(ctx: &Ctx<'_>, cert_file: &str) -> String {
    current_certificate(&ctx.dir.join(cert_file))
        .map(|c| c.certificate_id())
        .unwrap_or_else(|_| "(computed once it is made)".into())
}

fn dry_run(
    ctx: &mut Ctx<'_>,
    plan: &Plan,
    list_url: &reqwest::Url,
    revoke_url: &reqwest::Url,
    role: &str,
    entity: &str,
) -> Result<Status> {
    let pending = ctx
        .state
        .pending()
        .filter(|p| ctx.dir.join(&p.key_file).is_file() && ctx.dir.join(&p.cert_file).is_file())
        .cloned();
    let (k, c, first) = match &pending {
        Some(p) => (
            p.key_file.clone(),
            p.cert_file.clone(),
            format!(
                "1. reuse the pair made earlier: {} and {} ({}{})",
                p.key_file,
                p.cert_file,
                p.status,
                p.cert_id
                    .as_deref()
                    .map(|id| format!(", certificate ID {id}: no second upload"))
                    .unwrap_or_default()
            ),
        ),
        None => {
            let (k, c) = dated_pair(ctx, &ctx.now);
            let first = format!(
                "1. make {k} and {c} in {} (pending in {})",
                ctx.dir.display(),
                state::STATE_FILE
            );
            (k, c, first)
        }
    };
    let body = upload_body(
        "-----BEGIN CERTIFICATE----- ... (the new certificate, PEM) ...",
        role,
        entity,
    );
    let token_url = plan.token_url().to_string();
    let kid = plan.assertion.header.kid.clone();
    for s in [
        "dry run: pre-flight of the current pair passed; nothing is written or sent".to_string(),
        first,
        format!(
            "2. POST {token_url} with an assertion for the current key (Certificate ID {kid}, the assertion's kid)"
        ),
        format!("3. POST {list_url} with {body}"),
        format!(
            "4. check that NetSuite's answer names certificate ID {} (the new certificate's SHA-256)",
            pending_id(ctx, &c)
        ),
        format!(
            "5. POST {token_url} with an assertion for the new key (its Certificate ID), retried within --timeout"
        ),
        format!(
            "6. switch {} -> {k} and {} -> {c}; update {}",
            ctx.key_ptr.value.display(),
            ctx.cert_ptr.value.display(),
            state::STATE_FILE
        ),
    ] {
        ctx.step(s);
    }
    if ctx.args.revoke_old {
        ctx.step(format!(
            "7. POST {revoke_url} with an empty body (revoke {kid}), with a token from the new key"
        ));
    }
    Ok(Status::Ok)
}
