//! The command line, as `../shared/CLI.md` fixes it. Kept apart from `main.rs` so the man
//! page and shell completions come from the same definitions.

use crate::pki::alg::Alg;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_STATUS: &str = "\
EXIT STATUS (every command, as monitoring plugins read it):
  0  OK: done / certificate fine / token issued
  1  WARNING: a certificate expires within the warning window, or is not valid yet
  2  CRITICAL: a certificate is expired or within the critical window; NetSuite refused the
     token request, or a pre-flight check found something NetSuite will refuse
  3  UNKNOWN / ERROR: bad arguments, unreadable or invalid input, I/O error,
     network/TLS/time-out, an answer that makes no sense";

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
    #[command(after_long_help = EXIT_STATUS)]
    Verify(VerifyArgs),
    /// Print an access token alone on stdout, for scripts.
    #[command(after_long_help = EXIT_STATUS)]
    Token(TokenArgs),
    /// Rotate the certificate without downtime: by hand, or through NetSuite's REST API.
    ///
    /// Manual mode, two steps. `nskeys rotate` makes a new pair beside the current one
    /// (private-YYYY-MM-DD.pem / public-YYYY-MM-DD.pem, -2, -3... if taken), records it as
    /// pending in nskeys-state.json and prints the NetSuite steps; nothing in use changes.
    /// After mapping the new certificate in NetSuite, `nskeys rotate --new-cert-id ID`
    /// proves a token exchange with the new key and that ID, then switches the pointers.
    ///
    /// API mode: `nskeys rotate --upload --entity ID --role ID [--revoke-old]` takes a
    /// token with the current key (--cert-id or the state file), uploads the new certificate,
    /// reads its ID from the answer, proves an exchange with it (retrying while NetSuite
    /// makes it usable), switches the pointers, and with --revoke-old revokes the old one.
    ///
    /// Pointers: --key (default private.pem) and --cert (default public.pem) become symbolic
    /// links to the dated files; a regular file from `nskeys gen` is first given a dated name
    /// by a hard link. Each pointer is replaced by renaming a new link over it, so it always
    /// names a complete file. The key pointer is switched first, then the certificate
    /// pointer, then the state file: a kill between them leaves the new, proven key in use and
    /// public.pem still naming the old certificate; run the same command again to finish.
    /// --cert-id always means the CURRENT certificate's ID (as for verify); the new one is
    /// --new-cert-id. --timeout applies to each network step. Any failure before the switch
    /// leaves the old key and certificate in place and working.
    ///
    /// State: nskeys-state.json beside the key records each pair's files, dates, certificate
    /// ID and status (active, pending, uploaded, retired, revoked). verify, token, certs list
    /// and rotate take the current key's certificate ID from it when --cert-id/NS_CERT_ID is
    /// not given (so do not pin NS_CERT_ID in a cron job that rotates); `expiry DIR` skips the
    /// retired and revoked certificates it names. A rerun resumes: a pending pair is reused,
    /// an uploaded one is not uploaded again.
    #[command(after_long_help = EXIT_STATUS, verbatim_doc_comment)]
    Rotate(RotateArgs),
    /// The integration's certificates in NetSuite, through the REST API (2026.1 and later).
    #[command(subcommand)]
    Certs(CertsCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
}

/// `nskeys gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// JWT algorithm the key is for: ps* make an RSA key, es256/es384/es512 an EC P-256/P-384/P-521 key.
    #[arg(long, value_enum, ignore_case = true, default_value = "es256")]
    pub alg: Alg,
    /// RSA key size (ps* only); NetSuite accepts 3072 or 4096 bits.
    #[arg(long, default_value = "4096", value_parser = crate::commands::generate::parse_bits)]
    pub bits: usize,
    /// Certificate lifetime in days, 1 to 730 (NetSuite cuts anything longer to two years).
    #[arg(long, default_value = "730", value_parser = crate::commands::generate::parse_days)]
    pub days: u32,
    /// Certificate subject as an RFC 4514 string.
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
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Output formats of `nskeys expiry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExpiryFormat {
    /// A line per certificate.
    Text,
    /// A JSON array of objects.
    Json,
    /// One line with perfdata, for Nagios/Icinga.
    Nagios,
    /// Textfile-collector metrics named as the x509 exporters name them.
    Prometheus,
}

/// `nskeys expiry`.
#[derive(Debug, Args)]
pub struct ExpiryArgs {
    /// Certificate files (PEM, one or more certificates, or DER), directories, or - for stdin.
    #[arg(default_value = "public.pem")]
    pub paths: Vec<PathBuf>,
    /// WARNING when a certificate expires within this many days.
    #[arg(long, default_value_t = 30)]
    pub warn_days: u32,
    /// CRITICAL when a certificate expires within this many days (at most --warn-days).
    #[arg(long, default_value_t = 7)]
    pub crit_days: u32,
    /// Judge as if now were this instant (RFC 3339, e.g. 2027-01-31T00:00:00Z).
    #[arg(long)]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExpiryFormat,
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
    /// Check whether this private key matches each certificate (exit 2 if not).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// Options shared by `verify` and `token`; each can come from an `NS_*` variable.
#[derive(Debug, Clone, Args)]
pub struct ExchangeArgs {
    /// NetSuite account ID (e.g. 1234567 or 1234567_SB1); gives the token URL.
    #[arg(long, env = "NS_ACCOUNT_ID")]
    pub account: Option<String>,
    /// Full token endpoint URL; wins over --account (the Company URLs subtab is authoritative).
    #[arg(long, env = "NS_TOKEN_URL")]
    pub token_url: Option<String>,
    /// The integration record's client ID (consumer key): the assertion's iss.
    #[arg(long, env = "NS_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The Certificate ID NetSuite shows for the M2M mapping: the assertion's kid.
    #[arg(long, env = "NS_CERT_ID")]
    pub cert_id: Option<String>,
    /// Private key file (PKCS#8, PKCS#1 or SEC1; PEM or DER).
    #[arg(long, env = "NS_PRIVATE_KEY", default_value = "private.pem")]
    pub key: PathBuf,
    /// Certificate uploaded to NetSuite [default: public.pem if it exists].
    #[arg(long, env = "NS_CERTIFICATE")]
    pub cert: Option<PathBuf>,
    /// JWT algorithm [default: from the key: RSA gives PS256, EC P-256/384/521 gives ES256/384/512].
    #[arg(long, env = "NS_ALG", value_enum, ignore_case = true)]
    pub alg: Option<Alg>,
    /// Scopes, comma-separated (restlets, rest_webservices, suite_analytics, mcp).
    #[arg(long, env = "NS_SCOPES", default_value = "rest_webservices")]
    pub scope: String,
    /// Assertion lifetime in seconds (exp - iat), at most 3599.
    #[arg(long, default_value_t = 300)]
    pub assertion_ttl: u64,
    /// Seconds allowed for the whole exchange.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Extra trusted root certificates (PEM) for the token endpoint's TLS.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Pre-flight only, then show the request that would be sent; no network.
    #[arg(long)]
    pub dry_run: bool,
}

/// `nskeys verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Connection and assertion options.
    #[command(flatten)]
    pub exchange: ExchangeArgs,
    /// Also print the access token.
    #[arg(long)]
    pub print_token: bool,
    /// After a token is issued, make one SuiteQL request with it to show the role can use it.
    #[arg(long)]
    pub probe: bool,
    /// Print one JSON object for every outcome.
    #[arg(long)]
    pub json: bool,
}

/// `nskeys token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Connection and assertion options.
    #[command(flatten)]
    pub exchange: ExchangeArgs,
}

/// `nskeys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Connection options for the CURRENT pair (--key/--cert are the pointers).
    #[command(flatten)]
    pub exchange: ExchangeArgs,
    /// Manual mode: the Certificate ID NetSuite showed for the new mapping; proves it, then
    /// switches the pointers.
    #[arg(long, conflicts_with = "upload")]
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
    /// Base URL of the certificates API [default:
    /// https://<account>.restlets.api.netsuite.com/services/rest/auth/oauth2/v1].
    #[arg(long, env = "NS_API_URL")]
    pub api_url: Option<String>,
    /// Only rotate when the current certificate expires within this many days (else exit 0
    /// and change nothing): for a daily cron job. A pending or uploaded pair is always finished.
    #[arg(long, value_name = "DAYS")]
    pub if_expires_within: Option<u32>,
    /// Lifetime of the new certificate in days, 1 to 730.
    #[arg(long, default_value = "730", value_parser = crate::commands::generate::parse_days)]
    pub days: u32,
    /// Subject of the new certificate (RFC 4514).
    #[arg(long, default_value = "CN=nskeys")]
    pub subject: String,
    /// Print one JSON object at the end.
    #[arg(long)]
    pub json: bool,
}

/// `nskeys certs`.
#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// List the integration's certificates: ID, status, expiry; the one in use is marked.
    #[command(after_long_help = EXIT_STATUS)]
    List(CertsListArgs),
}

/// `nskeys certs list`.
#[derive(Debug, Args)]
pub struct CertsListArgs {
    /// Connection options (a token is taken with the current key).
    #[command(flatten)]
    pub exchange: ExchangeArgs,
    /// Base URL of the certificates API [default:
    /// https://<account>.restlets.api.netsuite.com/services/rest/auth/oauth2/v1].
    #[arg(long, env = "NS_API_URL")]
    pub api_url: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}
