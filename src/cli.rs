//! The command line, as `../shared/CLI.md` fixes it: ALL of clap lives here. The derive
//! structs, the value parsers and `ValueEnum` for the library's enums, the conversion of
//! parsed arguments into the commands' plain parameter structs (each connection value with
//! its [`Origin`]), usage errors as one line (exit 3) built from clap's error context, and
//! the shell completions and man page, from the same definitions.

use crate::commands::Invocation;
use crate::commands::certs::CertsListParams;
use crate::commands::connection;
use crate::commands::exec::ExecParams;
use crate::commands::expiry::{self, ExpiryParams};
use crate::commands::generate::{GenParams, PairSpec, Subject};
use crate::commands::inspect::InspectParams;
use crate::commands::preflight::ExchangeParams;
use crate::commands::profile::ProfileParams;
use crate::commands::rotate::RotateParams;
use crate::commands::token::{CacheParams, TokenFormat, TokenParams};
use crate::commands::verify::VerifyParams;
use crate::error::{Result, Status};
use crate::origin::{Origin, Sourced};
use crate::pki::alg::Alg;
use crate::pki::verdict::MAX_VALIDITY_DAYS;
use crate::store::config::Field;
use crate::store::input::InputValue;
use crate::store::passphrase::{Passphrase, PassphraseParams};
use clap::builder::PossibleValue;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

mod man;
mod usage;

const EXIT_STATUS: &str = "\
EXIT STATUS (every command, as monitoring plugins read it):
  0  OK: done / certificate fine / token issued
  1  WARNING: a certificate expires within the warning window, or is not valid yet
  2  CRITICAL: a certificate is expired or within the critical window; NetSuite refused the
     token request, or a pre-flight check found something NetSuite will refuse
  3  UNKNOWN / ERROR: bad arguments, unreadable or invalid input, I/O error,
     network/TLS/time-out, an answer that makes no sense

OUTPUT: data and reports go to stdout. On failure the FIRST line on stderr is the
error, one line: nskeys: <what> (<file, URL or option>): <what to do>. When NetSuite
refuses a token request, verify shows its answer, the likely causes and where to look
in its report on stdout; token (whose stdout is only for the token) prints them on
stderr, indented, after the error line.";

/// The ENVIRONMENT table, then the exit statuses: the long help of every command that
/// talks to NetSuite.
fn connection_help() -> &'static str {
    // Built once, on first use: five commands show it.
    static HELP: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{}\n{EXIT_STATUS}", connection::environment_help()));
    &HELP
}

/// Keys, certificates, expiry checks and token-exchange verification for NetSuite
/// OAuth 2.0 client credentials (machine to machine).
#[derive(Debug, Parser)]
#[command(name = "nskeys", version, about, after_long_help = EXIT_STATUS, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a private key and a self-signed certificate to upload to NetSuite.
    #[command(after_long_help = EXIT_STATUS)]
    Gen(GenArgs),
    /// Say when certificates expire: for cron, Nagios/Icinga/Zabbix, or Prometheus.
    ///
    /// Per certificate: CRITICAL if expired or fewer than --crit-days whole days are left;
    /// WARNING if fewer than --warn-days are left, it is not valid yet, or it is valid for more
    /// than 730 days. NetSuite silently cuts a longer certificate to two years, so days left
    /// then count to notBefore + 730 days (shown as its NetSuite expiry). Days left are whole
    /// days rounded down, negative once expired. A path that cannot be read, or holds no
    /// certificate, is UNKNOWN: its error goes to stderr and it still appears in the report;
    /// the other paths are judged all the same. The exit status is the worst state.
    ///
    /// A directory: its *.pem, *.crt, *.cer and *.der files (not subdirectories), in name
    /// order; files there that hold only keys (private.pem beside public.pem) are skipped.
    ///
    /// nagios: the worst certificate (or the first unreadable path), how many were checked,
    /// and perfdata days_left=FEWEST;WARN;CRIT;0 over all certificates. prometheus:
    /// x509_cert_not_before, x509_cert_not_after, x509_cert_expired (labels filepath,
    /// serial_number in decimal, subject_CN, issuer_CN), nskeys_cert_netsuite_not_after,
    /// nskeys_cert_expiry_state (0/1/2), x509_cert_error and x509_read_errors.
    #[command(after_long_help = EXIT_STATUS, verbatim_doc_comment)]
    Expiry(ExpiryArgs),
    /// Show certificates and keys in detail, with a verdict on whether NetSuite takes them.
    ///
    /// For each file, each certificate, private key (PKCS#8, PKCS#1, SEC1; PEM or DER) or
    /// public key in it: type and size or curve, subject, issuer, serial, validity, days left,
    /// signature algorithm with its PSS parameters, SHA-256 fingerprint, the JWT algorithms
    /// the key can sign, and NetSuite's verdict.
    ///
    /// Exit status: 0 NetSuite takes everything shown (an encrypted key, whose type cannot be
    /// seen, counts as 0); 1 something to fix first: not valid yet, valid for more than 730
    /// days, or a key with the rsassaPss OID (nobody knows whether NetSuite takes it);
    /// 2 NetSuite would refuse something: RSA other than 3072/4096, a curve other than
    /// P-256/P-384/P-521, an expired certificate, a bare public key, or --key not matching;
    /// 3 a file cannot be read or is neither a certificate nor a key (the others are still shown).
    #[command(after_long_help = EXIT_STATUS, verbatim_doc_comment)]
    Inspect(InspectArgs),
    /// Sign a client assertion and exchange it for a token, to prove the M2M setup works.
    ///
    /// Never uses the token cache: it exists to prove the exchange.
    #[command(after_long_help = connection_help())]
    Verify(VerifyArgs),
    /// Print an access token on stdout, for scripts (cached while it is valid).
    ///
    /// The token is reused from the cache ($XDG_CACHE_HOME/nskeys/ on Linux, mode 0600 in a
    /// 0700 directory) while more than --min-valid seconds of its life remain; else a new
    /// one is exchanged and cached. Parallel callers share one exchange. A refusal is never
    /// cached. The cache is a bearer token on disk for up to an hour: turn it off with
    /// --no-cache, NS_TOKEN_CACHE=off or token_cache = false in a profile; empty it with
    /// nskeys cache clear. In a script, take the token on its own line, so a failure stops it:
    ///   TOKEN=$(nskeys token) || exit 1
    #[command(after_long_help = connection_help(), verbatim_doc_comment)]
    Token(TokenArgs),
    /// Run a command with an access token in its environment.
    ///
    /// COMMAND gets NS_ACCESS_TOKEN, and NS_ACCOUNT_ID and NS_REST_URL
    /// (https://<account host>/services/rest) when known; nskeys exits with its status (128+N
    /// if signal N ended it). When no token can be had, nskeys exits 2 (refused) or 3 (error)
    /// and COMMAND is not run. The token comes from the cache as for nskeys token.
    ///   nskeys exec --profile prod -- sh -c 'curl -H "Authorization: Bearer $NS_ACCESS_TOKEN" "$NS_REST_URL/record/v1/customer"'
    #[command(after_long_help = connection_help(), verbatim_doc_comment)]
    Exec(ExecArgs),
    /// Named profiles of connection options, in the configuration file.
    ///
    /// The file is $XDG_CONFIG_HOME/nskeys/config.toml on Linux (~/Library/Application
    /// Support/nskeys/config.toml on macOS, %APPDATA%\nskeys\config.toml on Windows), or
    /// the file NSKEYS_CONFIG names. Each [profiles.NAME] table holds any of: account,
    /// token_url, client_id, cert_id, key, cert, dir, alg, scopes, assertion_ttl, timeout,
    /// ca_cert, api_url, min_valid, token_cache. Select one with --profile NAME or
    /// NS_PROFILE=NAME; precedence: flag > NS_* variable > profile > default.
    #[command(subcommand, verbatim_doc_comment)]
    Profile(ProfileCommand),
    /// The token cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Rotate the certificate without downtime: by hand, or through NetSuite's REST API.
    ///
    /// Manual mode, two steps. `nskeys rotate` makes a new pair beside the current one
    /// (private-YYYY-MM-DD.pem / public-YYYY-MM-DD.pem, -2, -3... if taken), records it as
    /// pending in nskeys-state.json and prints the NetSuite steps and the Certificate ID
    /// NetSuite will show (the certificate's SHA-256); nothing in use changes. After mapping
    /// the new certificate in NetSuite, run `nskeys rotate` again: it proves a token exchange
    /// with the new key and that ID, then switches the pointers.
    ///
    /// API mode: `nskeys rotate --upload --entity ID --role ID [--revoke-old]` takes a
    /// token with the current key, uploads the new certificate, checks that NetSuite's answer
    /// names the predicted Certificate ID (another ID: stop, exit 3, nothing switched),
    /// proves an exchange with it (retrying while NetSuite makes it usable, also through
    /// 500 server_error), switches the pointers, and with --revoke-old revokes the old one.
    ///
    /// Pointers: --key (default private.pem) and --cert (default public.pem) become symbolic
    /// links to the dated files; a regular file from `nskeys gen` is first given a dated name
    /// by a hard link. Each pointer is replaced by renaming a new link over it, so it always
    /// names a complete file. The key pointer is switched first, then the certificate
    /// pointer, then the state file: a kill between them leaves the new, proven key in use and
    /// public.pem still naming the old certificate; run the same command again to finish.
    /// --cert-id always means the CURRENT certificate's ID (as for verify); the new one is
    /// --new-cert-id (optional: computed). --timeout applies to each network step. Any failure before the switch
    /// leaves the old key and certificate in place and working.
    ///
    /// State: nskeys-state.json beside the key records each pair's files, dates, certificate
    /// ID and status (active, pending, uploaded, retired, revoked). verify, token, certs list
    /// and rotate take the current key's certificate ID from it when --cert-id/NS_CERT_ID is
    /// not given (so do not pin NS_CERT_ID in a cron job that rotates); `expiry DIR` skips the
    /// retired and revoked certificates it names. A rerun resumes: a pending pair is reused,
    /// an uploaded one is not uploaded again.
    #[command(after_long_help = connection_help(), verbatim_doc_comment)]
    Rotate(RotateArgs),
    /// The integration's certificates in NetSuite, through the REST API (2026.1 and later).
    #[command(subcommand)]
    Certs(CertsCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout, or write every page into a directory.
    ///
    /// `nskeys man --dir DIR` writes nskeys.1 and one page per subcommand (nskeys-gen.1,
    /// nskeys-expiry.1, ...), each with its options, environment and exit status, and prints
    /// the path of each page written. Install them with, for example:
    /// nskeys man --dir man1 && sudo install -D -m 0644 -t /usr/local/share/man/man1 man1/*.1
    Man {
        /// Write nskeys.1 and one page per subcommand into DIR (made if missing) instead of
        /// printing nskeys.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `nskeys gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// JWT algorithm the key is for: ps* make an RSA key, es256/es384/es512 an EC P-256/P-384/P-521 key.
    #[arg(long, value_enum, ignore_case = true, default_value = "es256")]
    pub alg: Alg,
    /// RSA key size, for ps256/ps384/ps512 only (refused with an EC --alg); NetSuite accepts
    /// 3072 or 4096 bits [default: 4096].
    #[arg(long, value_parser = parse_bits)]
    pub bits: Option<usize>,
    /// Certificate lifetime in days, 1 to 730 (NetSuite cuts anything longer to two years).
    #[arg(long, default_value = "730", value_parser = parse_days)]
    pub days: u32,
    /// Certificate subject as an RFC 4514 string, most specific first, e.g. CN=acme-m2m,O=Acme
    /// (spaces after the commas are ignored; a comma inside a value is written \,).
    #[arg(long, default_value = "CN=nskeys")]
    pub subject: String,
    /// Directory for the files (created with mode 0700 if missing).
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
    /// Private key file [default: private.pem]; a relative name is taken inside --out-dir.
    #[arg(long)]
    pub key_out: Option<PathBuf>,
    /// Certificate file [default: public.pem]; a relative name is taken inside --out-dir.
    #[arg(long)]
    pub cert_out: Option<PathBuf>,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// Encrypt the private key (PKCS#8, PBKDF2-SHA256 and AES-256-CBC, as openssl reads it)
    /// with a passphrase from --passphrase-file, NS_KEY_PASSPHRASE, or a prompt.
    #[arg(long)]
    pub encrypt: bool,
    /// File whose first line is the passphrase for --encrypt.
    #[arg(long, env = "NS_KEY_PASSPHRASE_FILE", value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `nskeys expiry`.
#[derive(Debug, Args)]
pub struct ExpiryArgs {
    /// Certificate files (PEM, one or more certificates, or DER), directories, or - for stdin.
    #[arg(default_value = "public.pem")]
    pub paths: Vec<PathBuf>,
    /// WARNING when a certificate expires within this many days.
    #[arg(long, env = "NS_WARN_DAYS", default_value_t = 30)]
    pub warn_days: u32,
    /// CRITICAL when a certificate expires within this many days (at most --warn-days).
    #[arg(long, env = "NS_CRIT_DAYS", default_value_t = 7)]
    pub crit_days: u32,
    /// Judge as if now were this instant (RFC 3339, e.g. 2027-01-31T00:00:00Z).
    #[arg(long)]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: expiry::Format,
    /// Print only what is not OK (for cron: mail only when action is needed); text and json only.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `nskeys inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Certificate or key files (PEM or DER), or - for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Check whether this private key matches each certificate (exit 2 if not): a file, -,
    /// PEM text or base64, as for verify (an encrypted key's passphrase from
    /// --passphrase-file, NS_KEY_PASSPHRASE or a prompt).
    #[arg(long, allow_hyphen_values = true)]
    pub key: Option<InputValue>,
    /// File whose first line is the passphrase of an encrypted --key.
    #[arg(long, env = "NS_KEY_PASSPHRASE_FILE", value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// The connection options of every command that talks to NetSuite; each can come from an
/// `NS_*` variable or a profile (precedence: flag > variable > profile > default).
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Take unset options from this profile of the configuration file (see nskeys profile).
    #[arg(long, env = "NS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// NetSuite account ID (e.g. 1234567 or 1234567_SB1); gives the token URL.
    #[arg(long, env = "NS_ACCOUNT_ID")]
    pub account: Option<String>,
    /// Full token endpoint URL, the assertion's aud (audience); wins over --account (the
    /// Company URLs subtab is authoritative; a bare host gets the token path added).
    #[arg(long, env = "NS_TOKEN_URL")]
    pub token_url: Option<String>,
    /// The integration record's Client ID (consumer key): the assertion's iss (issuer).
    #[arg(long, env = "NS_CLIENT_ID", allow_hyphen_values = true)]
    pub client_id: Option<String>,
    /// Certificate ID (the assertion's kid) NetSuite shows for the M2M mapping [default: the
    /// state file's, else computed from --cert: base64url of the certificate's SHA-256].
    #[arg(long, env = "NS_CERT_ID", allow_hyphen_values = true)]
    pub cert_id: Option<String>,
    /// Send --cert-id even when it is not the Certificate ID of --cert (in case NetSuite ever
    /// assigns another ID).
    #[arg(long, env = "NS_NO_CERT_ID_CHECK", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cert_id_check: bool,
    /// Private key (PKCS#8, PKCS#1 or SEC1; PEM or DER): a file, - for stdin, the PEM text
    /// itself (line breaks a CI system turned into literal backslash-n, spaces or CRLF are
    /// repaired), or base64 of the file.
    #[arg(
        long,
        env = "NS_PRIVATE_KEY",
        default_value = "private.pem",
        hide_env_values = true,
        allow_hyphen_values = true,
        value_name = "KEY"
    )]
    pub key: InputValue,
    /// Certificate uploaded to NetSuite [default: public.pem if it exists]: a file, -, PEM
    /// text or base64, as --key.
    #[arg(
        long,
        env = "NS_CERTIFICATE",
        hide_env_values = true,
        allow_hyphen_values = true,
        value_name = "CERT"
    )]
    pub cert: Option<InputValue>,
    /// Key directory: its private.pem, public.pem and nskeys-state.json (for --key and --cert
    /// left unset).
    #[arg(long, env = "NS_KEY_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// JWT algorithm [default: from the key: RSA gives PS256, EC P-256/384/521 gives ES256/384/512].
    #[arg(long, env = "NS_ALG", value_enum, ignore_case = true)]
    pub alg: Option<Alg>,
    /// Scopes, comma-separated (restlets, rest_webservices, suite_analytics, mcp).
    #[arg(long, env = "NS_SCOPES", default_value = "rest_webservices")]
    pub scope: String,
    /// Assertion lifetime in seconds (exp - iat), at most 3600 (what Oracle's samples send).
    #[arg(long, env = "NS_ASSERTION_TTL", default_value_t = 300)]
    pub assertion_ttl: u64,
    /// Seconds allowed for the whole exchange.
    #[arg(long, env = "NS_TIMEOUT", default_value_t = 30)]
    pub timeout: u64,
    /// Extra trusted root certificates (PEM) for the token endpoint's TLS.
    #[arg(long, env = "NS_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// File whose first line is the passphrase of an encrypted key (else NS_KEY_PASSPHRASE,
    /// else a prompt without echo when stdin is a terminal).
    #[arg(long, env = "NS_KEY_PASSPHRASE_FILE", value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// `nskeys verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Connection and assertion options.
    #[command(flatten)]
    pub exchange: ConnectionArgs,
    /// Pre-flight only, then show the request that would be sent; no network.
    #[arg(long)]
    pub dry_run: bool,
    /// Also print the access token.
    #[arg(long)]
    pub print_token: bool,
    /// After a token is issued, make one SuiteQL request with it to show the role can use it.
    #[arg(long)]
    pub probe: bool,
    /// Output format: nagios and prometheus make the live exchange a monitoring check (OK
    /// token issued, CRITICAL refused, UNKNOWN unreachable; perfdata with the exchange time).
    #[arg(long, env = "NS_VERIFY_FORMAT", value_enum, default_value = "text")]
    pub format: expiry::Format,
    /// Same as --format json (wins over --format and NS_VERIFY_FORMAT): one JSON object for
    /// every outcome.
    #[arg(long)]
    pub json: bool,
}

/// The token cache options of `token` and `exec`.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Neither read nor write the token cache (also NS_TOKEN_CACHE=off, or token_cache = false
    /// in the profile).
    #[arg(long)]
    pub no_cache: bool,
    /// Reuse a cached token only while more than this many seconds of its life remain.
    #[arg(long, env = "NS_MIN_VALID", value_name = "SECS", default_value_t = 300)]
    pub min_valid: u64,
}

/// `nskeys token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Connection and assertion options.
    #[command(flatten)]
    pub exchange: ConnectionArgs,
    /// Token cache.
    #[command(flatten)]
    pub cache: CacheArgs,
    /// What to print: the token alone, an Authorization header line, or a JSON object.
    #[arg(long, value_enum, default_value = "bare")]
    pub format: TokenFormat,
}

/// `nskeys exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Connection and assertion options.
    #[command(flatten)]
    pub exchange: ConnectionArgs,
    /// Token cache.
    #[command(flatten)]
    pub cache: CacheArgs,
    /// The command and its arguments, after --.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// `nskeys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Connection options for the CURRENT pair (--key/--cert are the pointers).
    #[command(flatten)]
    pub exchange: ConnectionArgs,
    /// Show what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Manual mode: the Certificate ID NetSuite showed for the new mapping [default: computed
    /// from the new certificate]; checked against it, proven, then the pointers switch.
    #[arg(long, conflicts_with = "upload", allow_hyphen_values = true)]
    pub new_cert_id: Option<String>,
    /// API mode: upload the new certificate through NetSuite's REST API.
    #[arg(long, requires_all = ["entity", "role"])]
    pub upload: bool,
    /// The entity (employee) the new certificate is mapped to: the current mapping's internal
    /// ID (negative IDs such as -5 are accepted).
    #[arg(long, allow_negative_numbers = true)]
    pub entity: Option<String>,
    /// The role the new certificate is mapped to: the current mapping's internal ID.
    #[arg(long, allow_negative_numbers = true)]
    pub role: Option<String>,
    /// After the switch, revoke the previous certificate in NetSuite.
    #[arg(long)]
    pub revoke_old: bool,
    /// Base URL of the certificates API [default: /services/rest/auth/oauth2/v1 on the
    /// account's host <account>.restlets.api.netsuite.com, or beside --token-url].
    #[arg(long, env = "NS_API_URL")]
    pub api_url: Option<String>,
    /// Only rotate when the current certificate expires within this many days (else exit 0
    /// and change nothing): for a daily cron job. A pending or uploaded pair is always finished.
    #[arg(long, value_name = "DAYS")]
    pub if_expires_within: Option<u32>,
    /// Lifetime of the new certificate in days, 1 to 730.
    #[arg(long, default_value = "730", value_parser = parse_days)]
    pub days: u32,
    /// Subject of the new certificate (RFC 4514) [default: the current certificate's subject].
    #[arg(long)]
    pub subject: Option<String>,
    /// RSA size of the new key, 3072 or 4096, for an RSA algorithm only [default: the current
    /// key's size, if RSA; else 4096].
    #[arg(long, value_parser = parse_bits)]
    pub bits: Option<usize>,
    /// Print one JSON object at the end.
    #[arg(long)]
    pub json: bool,
}

/// `nskeys profile`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile (relative paths are saved as absolute ones).
    #[command(after_long_help = EXIT_STATUS)]
    Add(Box<ProfileAddArgs>),
    /// List the profiles; --check exchanges a token for each.
    #[command(after_long_help = EXIT_STATUS)]
    List(ProfileListArgs),
    /// Show a profile's settings (never key material).
    Show {
        /// The profile.
        name: String,
    },
    /// Remove a profile.
    Remove {
        /// The profile.
        name: String,
    },
}

/// `nskeys profile add`.
#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// The profile's name (letters, digits, _ and -).
    pub name: String,
    /// NetSuite account ID.
    #[arg(long)]
    pub account: Option<String>,
    /// Full token endpoint URL.
    #[arg(long)]
    pub token_url: Option<String>,
    /// The integration record's client ID.
    #[arg(long, allow_hyphen_values = true)]
    pub client_id: Option<String>,
    /// The Certificate ID (the assertion's kid); leave it out with --dir to take it from the
    /// state file.
    #[arg(long, allow_hyphen_values = true)]
    pub cert_id: Option<String>,
    /// Private key file.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Certificate file.
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Key directory: its private.pem, public.pem and nskeys-state.json.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// JWT algorithm.
    #[arg(long, value_enum, ignore_case = true)]
    pub alg: Option<Alg>,
    /// Scopes, comma-separated.
    #[arg(long)]
    pub scope: Option<String>,
    /// Assertion lifetime in seconds.
    #[arg(long)]
    pub assertion_ttl: Option<u64>,
    /// Seconds allowed for the exchange.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Extra trusted root certificates (PEM).
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Base URL of the certificates API.
    #[arg(long)]
    pub api_url: Option<String>,
    /// Seconds a cached token must still be valid.
    #[arg(long, value_name = "SECS")]
    pub min_valid: Option<u64>,
    /// Never cache this profile's tokens.
    #[arg(long)]
    pub no_cache: bool,
    /// Replace a profile of that name.
    #[arg(long)]
    pub force: bool,
}

/// `nskeys profile list`.
#[derive(Debug, Args)]
pub struct ProfileListArgs {
    /// Exchange a token for each profile: one line each (OK / refused with the likely cause /
    /// unreachable); the exit status is the worst.
    #[arg(long)]
    pub check: bool,
}

/// `nskeys cache`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Remove every cached token.
    Clear,
}

/// `nskeys certs`.
#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// List the integration's certificates as NetSuite does, and check them.
    ///
    /// Per certificate: Certificate ID, entity and role names, valid from/until as NetSuite
    /// says, active / revoked / expired; `*` marks the one in use (its Certificate ID is the
    /// assertion's kid: --cert-id, the state file, or computed from --cert), then "N of 5
    /// active". As a check (exit status): CRITICAL when the certificate in use is missing from
    /// the list (a sandbox refresh clears the mappings), revoked or expired, or has fewer than
    /// --crit-days days left to the end of NetSuite's valid_until day (UTC); WARNING when it has
    /// fewer than --warn-days, or when 5 of 5 certificates are active (NetSuite refuses a
    /// sixth: the next rotation would fail).
    ///
    /// nagios: one line with perfdata active=N;4;;0;5 days_left=N;WARN;CRIT;0. prometheus:
    /// nskeys_netsuite_cert_valid_until, nskeys_netsuite_cert_revoked, nskeys_netsuite_cert_active
    /// (labels certificate_id, entity, role, in_use), nskeys_netsuite_certs_active,
    /// nskeys_netsuite_cert_in_use_listed, nskeys_netsuite_certs_state (0/1/2).
    #[command(after_long_help = connection_help(), verbatim_doc_comment)]
    List(CertsListArgs),
}

/// `nskeys certs list`.
#[derive(Debug, Args)]
pub struct CertsListArgs {
    /// Connection options (a token is taken with the current key).
    #[command(flatten)]
    pub exchange: ConnectionArgs,
    /// Pre-flight only, then show the requests that would be made; no network.
    #[arg(long)]
    pub dry_run: bool,
    /// Base URL of the certificates API [default: /services/rest/auth/oauth2/v1 on the
    /// account's host <account>.restlets.api.netsuite.com, or beside --token-url].
    #[arg(long, env = "NS_API_URL")]
    pub api_url: Option<String>,
    /// Output format.
    #[arg(long, env = "NS_CERTS_FORMAT", value_enum, default_value = "text")]
    pub format: expiry::Format,
    /// Same as --format json (wins over --format and NS_CERTS_FORMAT).
    #[arg(long)]
    pub json: bool,
    /// WARNING when the certificate in use has fewer days left in NetSuite (to the end of its
    /// valid_until day, UTC).
    #[arg(long, env = "NS_WARN_DAYS", default_value_t = 30)]
    pub warn_days: u32,
    /// CRITICAL when the certificate in use has fewer days left in NetSuite (at most --warn-days).
    #[arg(long, env = "NS_CRIT_DAYS", default_value_t = 7)]
    pub crit_days: u32,
}

/// Check `--days`: 1..=730, with the reason for the limit.
fn parse_days(s: &str) -> std::result::Result<u32, String> {
    let days: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of days"))?;
    if days == 0 {
        return Err("a certificate must be valid for at least 1 day".into());
    }
    if days > MAX_VALIDITY_DAYS {
        return Err(format!(
            "{days} days is more than NetSuite's maximum of {MAX_VALIDITY_DAYS}: NetSuite silently cuts validity to two years, \
             so the certificate would lie about its expiry; use --days {MAX_VALIDITY_DAYS} or less"
        ));
    }
    Ok(days)
}

/// Check `--bits`: 3072 or 4096, the RSA sizes NetSuite takes.
fn parse_bits(s: &str) -> std::result::Result<usize, String> {
    match s.trim() {
        "4096" => Ok(4096),
        "3072" => Ok(3072),
        _ => Err(format!(
            "NetSuite accepts RSA keys of 3072 or 4096 bits only, not {s}"
        )),
    }
}

impl ValueEnum for Alg {
    fn value_variants<'a>() -> &'a [Self] {
        &Alg::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            Alg::Ps256 => ("ps256", "RSASSA-PSS with SHA-256 (RSA key)"),
            Alg::Ps384 => ("ps384", "RSASSA-PSS with SHA-384 (RSA key)"),
            Alg::Ps512 => ("ps512", "RSASSA-PSS with SHA-512 (RSA key)"),
            Alg::Es256 => ("es256", "ECDSA on P-256 with SHA-256"),
            Alg::Es384 => ("es384", "ECDSA on P-384 with SHA-384"),
            Alg::Es512 => ("es512", "ECDSA on P-521 with SHA-512"),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

impl ValueEnum for expiry::Format {
    fn value_variants<'a>() -> &'a [Self] {
        use expiry::Format::*;
        &[Text, Json, Nagios, Prometheus]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        use expiry::Format::*;
        Some(match self {
            Text => PossibleValue::new("text").help("For people (and cron)"),
            Json => PossibleValue::new("json").help("One JSON document"),
            Nagios => {
                PossibleValue::new("nagios").help("One line with perfdata, for Nagios/Icinga")
            }
            Prometheus => PossibleValue::new("prometheus").help("Textfile-collector metrics"),
        })
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Action {
    /// Run a command.
    Run(Box<Invocation>),
    /// Print a shell completion script.
    Completions(clap_complete::Shell),
    /// Print the man page, or write every page into the directory.
    Man(Option<PathBuf>),
}

/// Why parsing ended without an action.
#[derive(Debug)]
pub enum Exit {
    /// `--help` or `--version`: print it as clap renders it, exit 0.
    Info(clap::Error),
    /// A usage error, as one line for stderr (exit 3).
    Usage(String),
}

impl Exit {
    /// Print it where it belongs; the exit status.
    pub fn report(&self) -> Status {
        match self {
            Exit::Info(e) => {
                let _ = e.print();
                Status::Ok
            }
            Exit::Usage(line) => {
                let _ = writeln!(std::io::stderr(), "{line}");
                Status::Unknown
            }
        }
    }
}

/// Parse a command line (the program name first).
pub fn parse<I, T>(args: I) -> std::result::Result<Action, Exit>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let matches = Cli::command()
        .try_get_matches_from(&args)
        .map_err(|e| usage::exit(e, &args))?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| usage::exit(e, &args))?;
    let sub = |m: &ArgMatches| m.subcommand().map(|(_, m)| m.clone()).unwrap_or_default();
    let m = sub(&matches);
    let invocation = match cli.command {
        Command::Gen(a) => Invocation::Gen(a.params(&m)),
        Command::Expiry(a) => Invocation::Expiry(ExpiryParams {
            paths: a.paths,
            warn_days: a.warn_days,
            crit_days: a.crit_days,
            at: a.at,
            format: a.format,
            quiet: a.quiet,
        }),
        Command::Inspect(a) => Invocation::Inspect(InspectParams {
            paths: a.paths,
            key: a.key,
            passphrase: passphrase_params(&m, a.passphrase_file),
            json: a.json,
        }),
        Command::Verify(a) => Invocation::Verify(VerifyParams {
            exchange: a.exchange.params(&m, a.dry_run),
            print_token: a.print_token,
            probe: a.probe,
            format: if a.json {
                expiry::Format::Json
            } else {
                a.format
            },
        }),
        Command::Token(a) => Invocation::Token(TokenParams {
            exchange: a.exchange.params(&m, false),
            cache: a.cache.params(&m),
            format: a.format,
        }),
        Command::Exec(a) => Invocation::Exec(ExecParams {
            exchange: a.exchange.params(&m, false),
            cache: a.cache.params(&m),
            command: a.command,
        }),
        Command::Profile(p) => Invocation::Profile(match p {
            ProfileCommand::Add(a) => a.params(),
            ProfileCommand::List(a) => ProfileParams::List { check: a.check },
            ProfileCommand::Show { name } => ProfileParams::Show { name },
            ProfileCommand::Remove { name } => ProfileParams::Remove { name },
        }),
        Command::Cache(CacheCommand::Clear) => Invocation::CacheClear,
        Command::Rotate(a) => Invocation::Rotate(a.params(&m)),
        Command::Certs(CertsCommand::List(a)) => {
            let m = sub(&m);
            Invocation::CertsList(CertsListParams {
                exchange: a.exchange.params(&m, a.dry_run),
                api_url: sourced_opt(&m, API_URL, a.api_url),
                format: if a.json {
                    expiry::Format::Json
                } else {
                    a.format
                },
                warn_days: a.warn_days,
                crit_days: a.crit_days,
            })
        }
        Command::Completions { shell } => return Ok(Action::Completions(shell)),
        Command::Man { dir } => return Ok(Action::Man(dir)),
    };
    Ok(Action::Run(Box::new(invocation)))
}

/// Print the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<Status> {
    clap_complete::generate(shell, &mut Cli::command(), "nskeys", out);
    Ok(Status::Ok)
}

/// Print the man page (roff), or with `dir` write one page per command there.
pub fn man(dir: Option<&std::path::Path>, out: &mut dyn Write) -> Result<Status> {
    man::run(Cli::command(), EXIT_STATUS, dir, out)
}

impl GenArgs {
    fn params(self, m: &ArgMatches) -> GenParams {
        GenParams {
            pair: PairSpec {
                alg: self.alg,
                bits: self.bits,
                days: self.days,
                subject: Subject::Given(self.subject),
                passphrase: None,
            },
            encrypt: self
                .encrypt
                .then(|| passphrase_params(m, self.passphrase_file)),
            out_dir: self.out_dir,
            key_out: self.key_out,
            cert_out: self.cert_out,
            force: self.force,
            json: self.json,
        }
    }
}

/// An option that carries a connection value: clap's id, its flag, its variable.
#[derive(Debug, Clone, Copy)]
struct Named {
    id: &'static str,
    flag: &'static str,
    env: Option<&'static str>,
}

const fn named(id: &'static str, flag: &'static str, env: Option<&'static str>) -> Named {
    Named { id, flag, env }
}

const ACCOUNT: Named = named("account", "--account", Some("NS_ACCOUNT_ID"));
const TOKEN_URL: Named = named("token_url", "--token-url", Some("NS_TOKEN_URL"));
const CLIENT_ID: Named = named("client_id", "--client-id", Some("NS_CLIENT_ID"));
const CERT_ID: Named = named("cert_id", "--cert-id", Some("NS_CERT_ID"));
const KEY: Named = named("key", "--key", Some("NS_PRIVATE_KEY"));
const CERT: Named = named("cert", "--cert", Some("NS_CERTIFICATE"));
const ALG: Named = named("alg", "--alg", Some("NS_ALG"));
const SCOPE: Named = named("scope", "--scope", Some("NS_SCOPES"));
const ASSERTION_TTL: Named = named("assertion_ttl", "--assertion-ttl", Some("NS_ASSERTION_TTL"));
const TIMEOUT: Named = named("timeout", "--timeout", Some("NS_TIMEOUT"));
const CA_CERT: Named = named("ca_cert", "--ca-cert", Some("NS_CA_CERT"));
const PROFILE: Named = named("profile", "--profile", Some("NS_PROFILE"));
const DIR: Named = named("dir", "--dir", Some("NS_KEY_DIR"));
const MIN_VALID: Named = named("min_valid", "--min-valid", Some("NS_MIN_VALID"));
const API_URL: Named = named("api_url", "--api-url", Some("NS_API_URL"));
const NEW_CERT_ID: Named = named("new_cert_id", "--new-cert-id", None);
const ENTITY: Named = named("entity", "--entity", None);
const ROLE: Named = named("role", "--role", None);
const PASSPHRASE_FILE: Named = named(
    "passphrase_file",
    "--passphrase-file",
    Some("NS_KEY_PASSPHRASE_FILE"),
);

/// Where clap found the option's value: its flag, its variable, or its default.
fn origin(m: &ArgMatches, name: Named) -> Origin {
    match m.value_source(name.id) {
        Some(ValueSource::EnvVariable) => name.env.map_or(Origin::Flag(name.flag), Origin::Env),
        Some(ValueSource::DefaultValue) => Origin::Default,
        _ => Origin::Flag(name.flag),
    }
}

/// An option's value with where it came from.
fn sourced<T>(m: &ArgMatches, name: Named, value: T) -> Sourced<T> {
    Sourced::new(value, origin(m, name))
}

/// An optional option's value, if given, with where it came from.
fn sourced_opt<T>(m: &ArgMatches, name: Named, value: Option<T>) -> Option<Sourced<T>> {
    value.map(|v| sourced(m, name, v))
}

/// Where a key's passphrase comes from: `--passphrase-file` (or its variable), then the
/// `NS_KEY_PASSPHRASE` variable (read here, never a flag: a command line is visible to other
/// users).
fn passphrase_params(m: &ArgMatches, file: Option<PathBuf>) -> PassphraseParams {
    PassphraseParams {
        file: sourced_opt(m, PASSPHRASE_FILE, file),
        env: std::env::var_os(PASSPHRASE_VAR).map(|v| {
            Sourced::new(
                Passphrase::new(zeroize::Zeroizing::new(v.into_encoded_bytes())),
                Origin::Env(PASSPHRASE_VAR),
            )
        }),
    }
}

/// The passphrase variable.
const PASSPHRASE_VAR: &str = "NS_KEY_PASSPHRASE";

impl ConnectionArgs {
    fn params(self, m: &ArgMatches, dry_run: bool) -> ExchangeParams {
        ExchangeParams {
            account: sourced_opt(m, ACCOUNT, self.account),
            token_url: sourced_opt(m, TOKEN_URL, self.token_url),
            client_id: sourced_opt(m, CLIENT_ID, self.client_id),
            cert_id: sourced_opt(m, CERT_ID, self.cert_id),
            key: sourced(m, KEY, self.key),
            cert: sourced_opt(m, CERT, self.cert),
            alg: sourced_opt(m, ALG, self.alg),
            scope: sourced(m, SCOPE, self.scope),
            assertion_ttl: sourced(m, ASSERTION_TTL, self.assertion_ttl),
            timeout: sourced(m, TIMEOUT, self.timeout),
            ca_cert: sourced_opt(m, CA_CERT, self.ca_cert),
            passphrase: passphrase_params(m, self.passphrase_file),
            dry_run,
            no_cert_id_check: self.no_cert_id_check,
            profile: sourced_opt(m, PROFILE, self.profile),
            dir: sourced_opt(m, DIR, self.dir),
        }
    }
}

impl CacheArgs {
    fn params(self, m: &ArgMatches) -> CacheParams {
        CacheParams {
            no_cache: self.no_cache,
            switch: std::env::var("NS_TOKEN_CACHE")
                .ok()
                .filter(|s| !s.trim().is_empty())
                .map(|s| Sourced::new(s, Origin::Env("NS_TOKEN_CACHE"))),
            min_valid: sourced(m, MIN_VALID, self.min_valid),
        }
    }
}

impl ProfileAddArgs {
    fn params(self) -> ProfileParams {
        let path = |p: Option<PathBuf>| p.map(|p| p.to_string_lossy().into_owned());
        let number = |n: Option<u64>| n.map(|n| n.to_string());
        let values = [
            (Field::Account, self.account),
            (Field::TokenUrl, self.token_url),
            (Field::ClientId, self.client_id),
            (Field::CertId, self.cert_id),
            (Field::Key, path(self.key)),
            (Field::Cert, path(self.cert)),
            (Field::Dir, path(self.dir)),
            (
                Field::Alg,
                self.alg.map(|a| a.jwt_name().to_ascii_lowercase()),
            ),
            (Field::Scopes, self.scope),
            (Field::AssertionTtl, number(self.assertion_ttl)),
            (Field::Timeout, number(self.timeout)),
            (Field::CaCert, path(self.ca_cert)),
            (Field::ApiUrl, self.api_url),
            (Field::MinValid, number(self.min_valid)),
            (Field::TokenCache, self.no_cache.then(|| "off".to_string())),
        ];
        ProfileParams::Add {
            name: self.name,
            values: values
                .into_iter()
                .filter_map(|(f, v)| v.map(|v| (f, v)))
                .collect(),
            force: self.force,
        }
    }
}

impl ValueEnum for TokenFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[TokenFormat::Bare, TokenFormat::Header, TokenFormat::Json]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            TokenFormat::Bare => PossibleValue::new("bare").help("The token alone"),
            TokenFormat::Header => {
                PossibleValue::new("header").help("Authorization: Bearer <token>")
            }
            TokenFormat::Json => PossibleValue::new("json").help(
                "access_token, token_type, expires_in, expires_at, scopes (if NetSuite said them), cached",
            ),
        })
    }
}

impl RotateArgs {
    fn params(self, m: &ArgMatches) -> RotateParams {
        RotateParams {
            new_cert_id: sourced_opt(m, NEW_CERT_ID, self.new_cert_id),
            upload: self.upload,
            entity: sourced_opt(m, ENTITY, self.entity),
            role: sourced_opt(m, ROLE, self.role),
            revoke_old: self.revoke_old,
            api_url: sourced_opt(m, API_URL, self.api_url),
            if_expires_within: self.if_expires_within,
            days: self.days,
            subject: self.subject,
            bits: self.bits,
            json: self.json,
            exchange: self.exchange.params(m, self.dry_run),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The origins name the flags and variables clap is told about.
    #[test]
    fn origin_names_match_the_definitions() {
        let cmd = Cli::command();
        let rotate = cmd.find_subcommand("rotate").unwrap();
        for n in [
            ACCOUNT,
            TOKEN_URL,
            CLIENT_ID,
            CERT_ID,
            KEY,
            CERT,
            ALG,
            SCOPE,
            ASSERTION_TTL,
            TIMEOUT,
            CA_CERT,
            PROFILE,
            DIR,
            API_URL,
            NEW_CERT_ID,
            ENTITY,
            ROLE,
        ] {
            let arg = rotate
                .get_arguments()
                .find(|a| a.get_id() == n.id)
                .unwrap_or_else(|| panic!("{}", n.id));
            assert_eq!(format!("--{}", arg.get_long().unwrap()), n.flag);
            assert_eq!(
                arg.get_env().map(|e| e.to_string_lossy().to_string()),
                n.env.map(str::to_string),
                "{}",
                n.id
            );
        }
    }

    #[test]
    fn origins_come_from_clap() {
        let parse = |args: &[&str]| match parse(args) {
            Ok(Action::Run(run)) => match *run {
                Invocation::Verify(p) => p.exchange,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        // A Certificate ID is base64url: one in 64 starts with '-', as its own word too.
        let p = parse(&["nskeys", "verify", "--cert-id", "-0x_Z", "--key", "k.pem"]);
        assert_eq!(p.cert_id.unwrap().value, "-0x_Z");
        let p = parse(&["nskeys", "verify", "--key", "k.pem", "--cert-id=-Qj"]);
        assert_eq!(p.key.origin, Origin::Flag("--key"));
        assert_eq!(p.cert_id.unwrap().value, "-Qj");
        // IDs starting with '-' as separate values (about one Certificate ID in 64).
        let p = parse(&[
            "nskeys",
            "verify",
            "--cert-id",
            "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU",
            "--client-id",
            "-c1",
        ]);
        assert_eq!(
            p.cert_id.unwrap().value,
            "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU"
        );
        assert_eq!(p.client_id.unwrap().value, "-c1");
        assert!(!p.no_cert_id_check);
        assert_eq!(p.scope.origin, Origin::Default);
        assert!(p.timeout.is_default());
        assert!(p.account.is_none());
    }

    #[test]
    fn usage_errors_are_one_line_from_clap_context() {
        let usage = |args: &[&str]| match parse(args) {
            Err(Exit::Usage(line)) => line,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            usage(&["nskeys", "gen", "--alg", "RS256"]),
            "nskeys: invalid value 'RS256' for '--alg <ALG>' [possible values: ps256, ps384, ps512, es256, es384, es512] (arguments): NetSuite no longer accepts RS* (PKCS#1 v1.5) assertions: use ps256 with the same kind of RSA key, or es256"
        );
        assert_eq!(
            usage(&["nskeys", "gen", "--days", "0"]),
            "nskeys: invalid value '0' for '--days <DAYS>': a certificate must be valid for at least 1 day (arguments): see 'nskeys gen --help'"
        );
        assert_eq!(
            usage(&["nskeys", "expiry", "--days", "3"]),
            "nskeys: unknown option --days for expiry (arguments): did you mean --warn-days or --crit-days? (--days is an option of gen, rotate); see 'nskeys expiry --help'"
        );
        assert_eq!(
            usage(&["nskeys", "certs"]),
            "nskeys: 'nskeys certs' needs a subcommand: list (arguments): run 'nskeys certs list'; see 'nskeys certs --help'"
        );
        assert!(!usage(&["nskeys", "expiry", "--days", "3"]).contains('\n'));
        assert!(matches!(parse(["nskeys", "--version"]), Err(Exit::Info(_))));
    }
}
