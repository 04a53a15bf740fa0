//! `nskeys rotate`: a new key and certificate beside the current pair, proven with a real
//! token exchange before the pointers (`private.pem`, `public.pem`) are switched to them, by
//! hand (two steps) or through NetSuite's certificate API (`--upload`). Until the switch,
//! nothing in use changes; see `cli::Command::Rotate` for the order of the switch.

use crate::commands::generate::{self, PairSpec, Subject};
use crate::commands::preflight::{self, ExchangeParams};
use crate::error::{Error, Result, Status};
use crate::netsuite::M2M_SETUP_PAGE;
use crate::origin::{Origin, Sourced};
use crate::pki::verdict::{self, FindingKind, Windows};
use crate::store::pointer;
use crate::store::read::refuse_if_open;
use crate::store::state::{self, Entry, PairStatus, State};
use crate::time::rfc3339;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod api;

/// First wait between attempts to use a just-uploaded certificate; doubled each time.
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Longest wait between attempts.
const MAX_RETRY: Duration = Duration::from_secs(8);

/// `nskeys rotate`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotateParams {
    /// Connection options for the CURRENT pair (`key` and `cert` are the pointers).
    pub exchange: ExchangeParams,
    /// Manual mode, step 2: the Certificate ID NetSuite showed for the new mapping.
    pub new_cert_id: Option<Sourced<String>>,
    /// API mode: upload the new certificate.
    pub upload: bool,
    /// The entity the new certificate is mapped to.
    pub entity: Option<Sourced<String>>,
    /// The role the new certificate is mapped to.
    pub role: Option<Sourced<String>>,
    /// After the switch, revoke the previous certificate.
    pub revoke_old: bool,
    /// Base URL of the certificates API.
    pub api_url: Option<Sourced<String>>,
    /// Only rotate when the current certificate expires within this many days.
    pub if_expires_within: Option<u32>,
    /// Lifetime of the new certificate in days.
    pub days: u32,
    /// Subject of the new certificate (else the current certificate's).
    pub subject: Option<String>,
    /// RSA size of the new key (else the current key's, if RSA).
    pub bits: Option<usize>,
    /// Print one JSON object at the end.
    pub json: bool,
}

/// How `rotate` works this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// By hand, in two steps.
    Manual,
    /// Through NetSuite's certificate API.
    Upload,
    /// `--upload --dry-run`: what would be done.
    DryRun,
}

/// `""` before the mode is known (a failure before it was chosen).
fn mode_or_empty<S: serde::Serializer>(
    mode: &Option<Mode>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match mode {
        Some(m) => m.serialize(s),
        None => s.serialize_str(""),
    }
}

/// What `rotate --json` prints.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `manual`, `upload` or `dry_run`.
    #[serde(serialize_with = "mode_or_empty")]
    pub mode: Option<Mode>,
    /// What was done, in order.
    pub steps: Vec<String>,
    /// The new key file.
    pub new_key: Option<String>,
    /// The new certificate file.
    pub new_cert: Option<String>,
    /// The new certificate's ID, once known.
    pub new_cert_id: Option<String>,
    /// The previous certificate's ID.
    pub old_cert_id: Option<String>,
    /// Whether the pointers now name the new pair.
    pub switched: bool,
    /// Whether the old certificate was revoked.
    pub revoked: bool,
}

/// Everything about where the pair lives.
struct Ctx<'a> {
    args: &'a RotateParams,
    key_ptr: Sourced<PathBuf>,
    cert_ptr: Sourced<PathBuf>,
    dir: PathBuf,
    state_path: PathBuf,
    state: State,
    now: String,
    report: Report,
    out: &'a mut dyn Write,
}

impl Ctx<'_> {
    /// Say what was done (at once in text mode, so a failure later still shows it).
    fn step(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if !self.args.json {
            let _ = writeln!(self.out, "- {msg}");
        }
        self.report.steps.push(msg);
    }

    fn save(&mut self) -> Result<()> {
        self.state.save(&self.state_path)
    }
}

/// `nskeys rotate`.
pub fn command(args: &RotateParams, out: &mut dyn Write) -> Result<Status> {
    let key_ptr = pointer_file(&args.exchange.key, crate::store::input::KEY)?;
    let dir = state::dir_of(&key_ptr.value);
    let cert_ptr = match &args.exchange.cert {
        Some(cert) => pointer_file(cert, crate::store::input::CERT)?,
        None => Sourced::default_value(dir.join("public.pem")),
    };
    let state_path = dir.join(state::STATE_FILE);
    // What rotate trusts (the state file names the files it uploads and switches to) must be
    // this user's alone.
    let key_dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.clone()
    };
    refuse_if_open(&key_dir, "the key directory")?;
    refuse_if_open(&state_path, "the state file")?;
    refuse_if_open(&key_ptr.value, "the private key")?;
    // One rotation at a time in a key directory, for the whole run: two interleaved runs
    // would make two pending pairs, or switch the pointers under each other. (A dry run
    // writes nothing, the lock file included.)
    let _lock = if args.exchange.dry_run {
        None
    } else {
        Some(lock(&key_dir)?)
    };
    let state = State::load(&state_path)?.unwrap_or_else(State::new);
    let mut ctx = Ctx {
        args,
        key_ptr,
        cert_ptr,
        dir,
        state_path,
        state,
        now: rfc3339(crate::time::now()),
        report: Report::default(),
        out,
    };
    let result = run(&mut ctx);
    if args.json {
        let json = crate::commands::output::json_pretty(&ctx.report)?;
        let _ = write!(ctx.out, "{json}");
    }
    result
}

/// The lock file beside the state file.
pub const LOCK_FILE: &str = ".nskeys-rotate.lock";

/// Take the rotation lock of `dir` (released when the file is dropped, or the process ends).
fn lock(dir: &Path) -> Result<std::fs::File> {
    let path = dir.join(LOCK_FILE);
    let mut open = std::fs::OpenOptions::new();
    open.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let file = open.open(&path).map_err(|e| {
        Error::unknown(
            format!("cannot open the rotation lock: {e}"),
            "check the key directory's permissions",
        )
        .at(path.display())
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::unknown(
            "another rotation is running in this key directory",
            "wait for it to finish, then run again (it resumes what is left)",
        )
        .at(path.display())),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::unknown(
            format!("cannot lock: {e}"),
            "check the key directory's file system",
        )
        .at(path.display())),
    }
}

/// The file a `--key`/`--cert` value names: rotate switches pointers beside it, so PEM text,
/// base64 or stdin will not do.
fn pointer_file(
    value: &Sourced<crate::store::input::InputValue>,
    option: crate::store::input::OptionName,
) -> Result<Sourced<PathBuf>> {
    let source = crate::store::input::source_of(value, option);
    match source.path() {
        Some(path) => Ok(Sourced::new(path.to_path_buf(), value.origin.clone())),
        None => Err(Error::unknown(
            format!(
                "rotate needs the {} as a file, not text or standard input",
                option.what
            ),
            format!(
                "give the path of the current {} file with {} (rotate writes the new pair beside it)",
                option.what, option.flag
            ),
        )
        .at(&source)),
    }
}

fn run(ctx: &mut Ctx<'_>) -> Result<Status> {
    let args = ctx.args;
    if !ctx.key_ptr.value.exists() || !ctx.cert_ptr.value.exists() {
        return Err(Error::unknown(
            "the current key or certificate is missing",
            "rotate starts from a working pair: give --key and --cert (default private.pem, public.pem beside it), or make one with nskeys gen",
        )
        .at(format!(
            "{}, {}",
            ctx.key_ptr.value.display(),
            ctx.cert_ptr.value.display()
        )));
    }
    record_current(ctx)?;
    if args.new_cert_id.is_none() && (args.subject.is_some() || args.bits.is_some()) {
        // A bad --subject or --bits is refused before anything is made or sent (--dry-run too).
        let spec = successor(
            args,
            &read_current_key(ctx)?.key,
            &current_certificate(&ctx.cert_ptr.value)?,
            &ctx.cert_ptr.value,
        )?;
        if let Subject::Given(dn) = &spec.subject {
            crate::pki::cert::parse_subject(dn)?;
        }
    }
    if !args.exchange.dry_run && finish_interrupted_switch(ctx)? {
        return Ok(Status::Ok);
    }
    if let Some(days) = args.if_expires_within
        && args.new_cert_id.is_none()
        && ctx.state.pending().is_none()
        && !due(ctx, days)?
    {
        return Ok(Status::Ok);
    }
    if args.upload {
        ctx.report.mode = Some(if args.exchange.dry_run {
            Mode::DryRun
        } else {
            Mode::Upload
        });
        return api::upload(ctx);
    }
    ctx.report.mode = Some(Mode::Manual);
    if args.exchange.dry_run {
        return Err(Error::unknown(
            "--dry-run is for --upload",
            "manual mode changes nothing in use until --new-cert-id proves the new certificate",
        ));
    }
    let pending_ready = ctx.state.pending().is_some_and(|p| {
        ctx.dir.join(&p.key_file).is_file() && ctx.dir.join(&p.cert_file).is_file()
    });
    match args.new_cert_id.clone() {
        // Step 2 needs no ID: the new certificate's Certificate ID is its SHA-256.
        None if pending_ready => manual_finish(ctx, None),
        None => manual_prepare(ctx),
        Some(id) => manual_finish(ctx, Some(id.map(|id| id.trim().to_string()))),
    }
}

/// After the key pointer names `e`'s key: point the certificate pointer at its certificate
/// and record `e` as current in the state file.
fn record_switch(ctx: &mut Ctx<'_>, e: &Entry) -> Result<()> {
    pointer::switch(&ctx.cert_ptr.value, &e.cert_file)?;
    ctx.state.upsert(e.clone());
    let now = ctx.now.clone();
    ctx.state.make_current(&e.key_file, &now);
    ctx.save()?;
    ctx.report.switched = true;
    Ok(())
}

/// A run killed between switching the key pointer and recording the switch leaves the key
/// pointer on a proven pair the state file still calls `uploaded`: finish that switch.
fn finish_interrupted_switch(ctx: &mut Ctx<'_>) -> Result<bool> {
    let key_name = state::resolved_name(&ctx.key_ptr.value).unwrap_or_default();
    let current = ctx.state.current.as_ref().map(|c| c.key_file.clone());
    let Some(e) = ctx.state.entry(&key_name).cloned() else {
        return Ok(false);
    };
    if e.status != PairStatus::Uploaded
        || e.cert_id.is_none()
        || current.as_deref() == Some(key_name.as_str())
    {
        return Ok(false);
    }
    record_switch(ctx, &e)?;
    ctx.report.new_cert_id = e.cert_id.clone();
    ctx.step(format!(
        "finished an interrupted switch: {} already named {}; {} -> {}, certificate ID {} is current",
        ctx.key_ptr.value.display(),
        e.key_file,
        ctx.cert_ptr.value.display(),
        e.cert_file,
        e.cert_id.as_deref().unwrap_or("?")
    ));
    let still_active: Vec<String> = ctx
        .state
        .certificates
        .iter()
        .filter(|o| o.status == PairStatus::Retired)
        .filter_map(|o| o.cert_id.clone())
        .collect();
    if !still_active.is_empty() {
        ctx.step(format!(
            "still active in NetSuite, no longer used here: {}; revoke in NetSuite when no integration uses them",
            still_active.join(", ")
        ));
    }
    Ok(true)
}

/// `--if-expires-within DAYS`: whether NetSuite's verdict on the current certificate, with a
/// warning window of DAYS, says it expires within them (or has).
fn due(ctx: &mut Ctx<'_>, days: u32) -> Result<bool> {
    let cert = current_certificate(&ctx.cert_ptr.value)?;
    let now = crate::time::now();
    let windows = Windows {
        warn_days: days,
        crit_days: 0,
    };
    let due = verdict::judge_dates(&cert, now, Some(windows))
        .iter()
        .any(|f| {
            matches!(
                f.kind,
                FindingKind::Expired { .. }
                    | FindingKind::PastWindow { .. }
                    | FindingKind::WithinWarning { .. }
                    | FindingKind::WithinCritical { .. }
            )
        });
    if !due {
        ctx.step(format!(
            "nothing to do: {} expires {}, {} days left, not within {days}",
            ctx.cert_ptr.value.display(),
            rfc3339(verdict::netsuite_expiry(&cert)),
            verdict::days_left(&cert, now)
        ));
    }
    Ok(due)
}

/// Make sure the state file knows the pair in use (first rotation: it may not exist yet).
fn record_current(ctx: &mut Ctx<'_>) -> Result<()> {
    let key_name = state::resolved_name(&ctx.key_ptr.value).unwrap_or_default();
    let cert_name = state::resolved_name(&ctx.cert_ptr.value).unwrap_or_default();
    let cert = current_certificate(&ctx.cert_ptr.value)?;
    // The current certificate's ID is its SHA-256: a --cert-id that is another is a mistake
    // to stop on before anything is recorded.
    let computed = cert.certificate_id();
    let given = ctx
        .args
        .exchange
        .cert_id
        .clone()
        .map(|id| id.map(|v| v.trim().to_string()))
        .filter(|id| !id.value.is_empty());
    if let Some(g) = &given
        && g.value != computed
        && !ctx.args.exchange.no_cert_id_check
    {
        return Err(preflight::cert_id_mismatch(
            g,
            &ctx.cert_ptr.value,
            &computed,
        ));
    }
    let given = Some(given.map_or(computed, |g| g.value));
    if let Some(e) = ctx.state.entry_mut(&key_name) {
        if e.cert_id.is_none() {
            e.cert_id = given;
        }
        return Ok(());
    }
    let (not_before, not_after) = (rfc3339(cert.not_before), rfc3339(cert.not_after));
    ctx.state.upsert(Entry {
        cert_id: given,
        key_file: key_name.clone(),
        cert_file: cert_name,
        not_before,
        not_after,
        created: ctx.now.clone(),
        status: PairStatus::Active,
    });
    // The key pointer names what integrations use: an unknown pair there is the current one
    // (first rotation, or a `gen --force` since the last).
    let now = ctx.now.clone();
    ctx.state.make_current(&key_name, &now);
    Ok(())
}

/// The current certificate (the first in the file), read through the one reader.
fn current_certificate(path: &Path) -> Result<crate::pki::facts::CertFacts> {
    let name = path.display().to_string();
    crate::store::read::read_certificates(path)
        .map_err(|f| f.certificate_error(crate::pki::objects::Role::Cert, &name))?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::unknown(
                "no certificate in the file",
                "give the certificate with --cert",
            )
            .at(&name)
        })
}

/// The key the key pointer names.
fn read_current_key(ctx: &Ctx<'_>) -> Result<crate::pki::key::LoadedKey> {
    crate::store::read::read_private_key(&ctx.key_ptr.value).map_err(|f| {
        f.key_error(
            crate::pki::objects::Role::Key,
            &ctx.key_ptr.value.display().to_string(),
        )
    })
}

/// The new pair's spec: like the current pair (its subject, algorithm and RSA size) unless
/// told otherwise (`--subject`, `--alg`, `--bits`).
fn successor(
    args: &RotateParams,
    key: &crate::pki::key::PrivateKey,
    current: &crate::pki::facts::CertFacts,
    cert_path: &Path,
) -> Result<PairSpec> {
    use crate::pki::alg::{Alg, KeyKind};
    let alg = match &args.exchange.alg {
        Some(given) => given.value,
        // An RSA key does not say which PS* it signs with; its certificate's own PSS hash
        // does, as `nskeys gen` makes it.
        None if key.kind() == KeyKind::Rsa => {
            match current.signature.pss.as_ref().map(|p| p.hash.as_str()) {
                Some("SHA-384") => Alg::Ps384,
                Some("SHA-512") => Alg::Ps512,
                _ => Alg::Ps256,
            }
        }
        None => key.kind().default_alg(),
    };
    let bits = args.bits.or_else(|| {
        (alg.is_rsa() && key.kind() == KeyKind::Rsa)
            .then(|| key.bits())
            .filter(|b| [3072, 4096].contains(b))
    });
    let subject = match &args.subject {
        Some(dn) => Subject::Given(dn.clone()),
        None => Subject::Kept(crate::pki::cert::subject_of(&current.der).map_err(|e| {
            Error::unknown(
                format!("cannot read the current certificate's subject: {e}"),
                "give the new certificate's subject with --subject",
            )
            .at(cert_path.display())
        })?),
    };
    let spec = PairSpec {
        alg,
        bits,
        days: args.days,
        subject,
        passphrase: None,
    };
    spec.rsa_bits()?;
    Ok(spec)
}

/// The key and certificate pointer names dated with the same date and suffix.
fn dated_pair(ctx: &Ctx<'_>, date: &str) -> (String, String) {
    let (ks, ke) = pointer::stem_ext(&ctx.key_ptr.value);
    let (cs, ce) = pointer::stem_ext(&ctx.cert_ptr.value);
    let date = day(date);
    let mut n = 1;
    loop {
        let suffix = if n > 1 {
            format!("-{n}")
        } else {
            String::new()
        };
        let k = format!("{ks}-{date}{suffix}.{ke}");
        let c = format!("{cs}-{date}{suffix}.{ce}");
        let free = |name: &str| ctx.dir.join(name).symlink_metadata().is_err();
        if free(&k) && free(&c) {
            return (k, c);
        }
        n += 1;
    }
}

/// `2026-11-22` from an RFC 3339 instant.
fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// The pending pair (reused) or a new one, recorded as pending.
fn new_pair(ctx: &mut Ctx<'_>) -> Result<Entry> {
    if let Some(p) = ctx.state.pending().cloned()
        && ctx.dir.join(&p.key_file).is_file()
        && ctx.dir.join(&p.cert_file).is_file()
    {
        ctx.step(format!(
            "reusing the new pair made earlier: {} and {} ({})",
            p.key_file, p.cert_file, p.status
        ));
        return Ok(p);
    }
    // The new key is encrypted as the current one is, with the same passphrase.
    let current_key = crate::store::input::read_key(
        &ctx.key_ptr.clone().map(Into::into),
        &ctx.args.exchange.passphrase,
    )?;
    let loaded = current_key.loaded;
    let current = current_certificate(&ctx.cert_ptr.value)?;
    let (key_file, cert_file) = dated_pair(ctx, &ctx.now);
    let mut spec = successor(ctx.args, &loaded.key, &current, &ctx.cert_ptr.value)?;
    spec.passphrase = current_key.passphrase;
    let made = generate::make_pair(
        &spec,
        &ctx.dir.join(&key_file),
        &ctx.dir.join(&cert_file),
        false,
    )?;
    let entry = Entry {
        // Predicted: NetSuite's Certificate ID is the certificate's SHA-256.
        cert_id: Some(made.cert.certificate_id()),
        key_file,
        cert_file,
        not_before: rfc3339(made.cert.not_before),
        not_after: rfc3339(made.cert.not_after),
        created: ctx.now.clone(),
        status: PairStatus::Pending,
    };
    ctx.state.upsert(entry.clone());
    ctx.save()?;
    ctx.step(format!(
        "made a new {} pair: {} and {} (valid to {}), recorded as pending in {}",
        made.key_type,
        made.key_path.display(),
        made.cert_path.display(),
        rfc3339(made.cert.not_after),
        ctx.state_path.display()
    ));
    Ok(entry)
}

fn manual_prepare(ctx: &mut Ctx<'_>) -> Result<Status> {
    let e = new_pair(ctx)?;
    ctx.report.new_key = Some(e.key_file.clone());
    ctx.report.new_cert = Some(e.cert_file.clone());
    let cert = ctx.dir.join(&e.cert_file);
    let predicted = current_certificate(&cert)?.certificate_id();
    for s in [
        format!(
            "the key in use ({}) is unchanged",
            ctx.key_ptr.value.display()
        ),
        format!("next, in NetSuite: open {M2M_SETUP_PAGE} and click Create New"),
        format!(
            "choose the SAME entity, role and application as the current mapping and upload {}; save",
            cert.display()
        ),
        format!(
            "NetSuite will show Certificate ID {predicted} for the new mapping (the SHA-256 of {})",
            cert.display()
        ),
        "then run nskeys rotate again (with the same connection options as now): it proves the new certificate and switches to it"
            .into(),
    ] {
        ctx.step(s);
    }
    Ok(Status::Ok)
}

fn manual_finish(ctx: &mut Ctx<'_>, id: Option<Sourced<String>>) -> Result<Status> {
    if id.as_ref().is_some_and(|id| id.value.is_empty()) {
        return Err(Error::unknown(
            "--new-cert-id is empty",
            "leave it out: nskeys computes the new certificate's ID",
        ));
    }
    let Some(e) = ctx.state.pending().cloned() else {
        return Err(Error::unknown(
            "no new pair is pending",
            "run nskeys rotate first (without --new-cert-id): it makes the pair to upload",
        )
        .at(ctx.state_path.display()));
    };
    let cert_path = ctx.dir.join(&e.cert_file);
    let id = match id {
        Some(id) => id,
        None => Sourced::new(
            current_certificate(&cert_path)?.certificate_id(),
            Origin::Certificate(cert_path),
        ),
    };
    ctx.report.new_key = Some(e.key_file.clone());
    ctx.report.new_cert = Some(e.cert_file.clone());
    ctx.report.new_cert_id = Some(id.value.clone());
    if let Err(mut err) = prove(ctx, &e, &id, 1) {
        if matches!(id.origin, Origin::Certificate(_)) && err.status == Status::Critical {
            // Step 2 run before the upload (or before NetSuite took it): say what is missing.
            err.hint = format!(
                "NetSuite does not take the new certificate yet: upload {} on the M2M setup page ({M2M_SETUP_PAGE}, Create New, the same entity, role and application); NetSuite will show Certificate ID {}; then run the same nskeys rotate again; nothing was switched: {} still names the old, working key",
                e.cert_file,
                id.value,
                ctx.key_ptr.value.display()
            );
        }
        return Err(err);
    }
    let mut e = e;
    e.cert_id = Some(id.value);
    e.status = PairStatus::Uploaded;
    ctx.state.upsert(e.clone());
    ctx.save()?;
    switch(ctx, &e)?;
    ctx.step("revoke the old certificate in NetSuite once every integration reads the new key");
    Ok(Status::Ok)
}

/// The connection options for the pair `e` (its files named by the state file) with
/// certificate ID `id`.
fn params_for(ctx: &Ctx<'_>, e: &Entry, id: &Sourced<String>) -> ExchangeParams {
    let from_state = |file: &str| {
        Sourced::new(
            ctx.dir.join(file),
            Origin::StateFile(ctx.state_path.clone()),
        )
    };
    ExchangeParams {
        key: from_state(&e.key_file).map(Into::into),
        cert: Some(from_state(&e.cert_file).map(Into::into)),
        cert_id: Some(id.clone()),
        // The new key's own algorithm: --alg named the current key's.
        alg: None,
        ..ctx.args.exchange.clone()
    }
}

/// Prove a token exchange with the new pair, up to `attempts` tries within --timeout.
fn prove(ctx: &mut Ctx<'_>, e: &Entry, id: &Sourced<String>, attempts: u32) -> Result<()> {
    let params = params_for(ctx, e, id);
    let deadline = Instant::now() + Duration::from_secs(params.timeout.value);
    let mut wait = FIRST_RETRY;
    let mut n = 0;
    loop {
        n += 1;
        let plan = preflight::plan(&params, crate::time::now())?;
        let left = deadline.saturating_duration_since(Instant::now());
        let result = plan
            .http(left.max(Duration::from_millis(1)))
            .and_then(|http| plan.fetch_token(&http));
        match result {
            Ok(_) => {
                ctx.step(format!(
                    "NetSuite issued a token for the new key {} with certificate ID {} (attempt {n})",
                    e.key_file, id.value
                ));
                return Ok(());
            }
            Err(err) => {
                let retry = err.status == Status::Critical
                    && n < attempts
                    && Instant::now() + wait < deadline;
                if !retry {
                    ctx.step(format!(
                        "the new certificate did not work (attempt {n}): {err}"
                    ));
                    let mut err = err;
                    err.hint = format!(
                        "nothing was switched: {} still names the old, working key; {}. When NetSuite takes the new certificate, run the same nskeys rotate again",
                        ctx.key_ptr.value.display(),
                        err.hint
                    );
                    return Err(err);
                }
                ctx.step(format!(
                    "the new certificate is not usable yet (attempt {n}); trying again in {} ms",
                    wait.as_millis()
                ));
                std::thread::sleep(wait);
                wait = (wait * 2).min(MAX_RETRY);
            }
        }
    }
}

/// Switch the pointers to `e` (proven) and record it as current.
fn switch(ctx: &mut Ctx<'_>, e: &Entry) -> Result<()> {
    // First rotation: regular files from `gen` get dated names (hard links) first.
    let old_key = state::resolved_name(&ctx.key_ptr.value).unwrap_or_default();
    let old_cert = state::resolved_name(&ctx.cert_ptr.value).unwrap_or_default();
    let date = ctx
        .state
        .entry(&old_key)
        .map(|o| o.not_before.clone())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ctx.now.clone());
    let (k_dated, c_dated) = dated_pair(ctx, &date);
    let new_key = pointer::adopt(&ctx.key_ptr.value, &k_dated)?;
    let new_cert = pointer::adopt(&ctx.cert_ptr.value, &c_dated)?;
    if new_key != old_key || new_cert != old_cert {
        if let Some(o) = ctx.state.entry_mut(&old_key) {
            o.key_file = new_key.clone();
            o.cert_file = new_cert.clone();
        }
        if let Some(c) = ctx.state.current.as_mut().filter(|c| c.key_file == old_key) {
            c.key_file = new_key.clone();
            c.cert_file = new_cert.clone();
        }
        ctx.save()?;
        ctx.step(format!(
            "gave the current pair dated names: {new_key}, {new_cert} (the pointers name them)"
        ));
    }
    ctx.report.old_cert_id = ctx.state.entry(&new_key).and_then(|o| o.cert_id.clone());
    // Key first: it is what integrations read, and it is proven.
    pointer::switch(&ctx.key_ptr.value, &e.key_file)?;
    record_switch(ctx, e)?;
    ctx.step(format!(
        "switched {} -> {} and {} -> {}; {} records certificate ID {} as current",
        ctx.key_ptr.value.display(),
        e.key_file,
        ctx.cert_ptr.value.display(),
        e.cert_file,
        ctx.state_path.display(),
        e.cert_id.as_deref().unwrap_or("?")
    ));
    Ok(())
}
