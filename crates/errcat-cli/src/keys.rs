//! `errcat keys`: make a new API key and the record to store for it, or check offline whether
//! a key is well-formed.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use errcat_store::keys::{ApiKeySecret, IpNet, KeyHasher, KeyRecord};

/// `errcat keys` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum KeysCommand {
    /// Print a new key (line 1, shown only this once) and its record as JSON (line 2), which
    /// holds only the hash of the secret.
    New(NewArgs),
    /// Say whether a key is well-formed (its shape and checksum), without any store.
    Check {
        /// The key.
        key: String,
    },
}

/// Arguments of `errcat keys new`.
#[derive(clap::Args)]
pub(crate) struct NewArgs {
    /// The API's prefix: 1 to 16 lower-case letters and digits.
    #[arg(long)]
    prefix: String,
    /// The key's environment, such as test or live.
    #[arg(long = "env")]
    environment: String,
    /// A name for the key.
    #[arg(long, default_value = "")]
    name: String,
    /// Who the key belongs to.
    #[arg(long, default_value = "")]
    owner: String,
    /// A scope the key has (repeat for more).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Seconds until the key expires.
    #[arg(long)]
    expires_in: Option<u64>,
    /// A network the key may be used from, such as 10.0.0.0/8 (repeat for more).
    #[arg(long = "allow")]
    networks: Vec<String>,
    /// The environment variable holding the server's pepper, to hash with HMAC-SHA256 (the
    /// pepper is never taken from the command line, where other users can read it).
    #[arg(long, value_name = "VAR")]
    pepper_env: Option<String>,
}

pub(crate) fn run(command: &KeysCommand) -> ExitCode {
    match command {
        KeysCommand::New(args) => match new(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        KeysCommand::Check { key } => match ApiKeySecret::parse(key.trim()) {
            Ok(k) => {
                println!(
                    "well-formed: id {}, prefix {}, environment {}",
                    k.id(),
                    k.prefix(),
                    k.environment()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn network(n: &str) -> Result<IpNet, String> {
    n.parse::<IpNet>()
        .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!("`{n}` is not a network: write it as 10.0.0.0/8, 2001:db8::/32 or one address")
        })
}

fn new(args: &NewArgs) -> Result<(), String> {
    let hasher = match &args.pepper_env {
        None => KeyHasher::sha256(),
        Some(var) => match std::env::var(var) {
            Ok(p) if !p.is_empty() => KeyHasher::hmac(p.as_bytes()),
            _ => return Err(format!("the environment variable {var} holds no pepper")),
        },
    };
    let networks = args
        .networks
        .iter()
        .map(|n| network(n))
        .collect::<Result<Vec<_>, _>>()?;
    let secret =
        ApiKeySecret::generate(&args.prefix, &args.environment).map_err(|e| e.to_string())?;
    let mut record = KeyRecord::new(&secret, &hasher, &args.name, &args.owner)
        .scopes(args.scopes.iter().cloned())
        .networks(networks);
    if let Some(secs) = args.expires_in {
        record = record.expires_after(Duration::from_secs(secs));
    }
    let json = serde_json::json!({
        "id": record.id,
        "name": record.name,
        "environment": record.environment,
        "scopes": record.scopes,
        "owner": record.owner,
        "created": record.created,
        "expires": record.expires,
        "networks": record.networks.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "hash": record.hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "hash_kind": if args.pepper_env.is_some() { "hmac-sha256" } else { "sha256" },
    });
    println!("{}", secret.expose());
    println!("{json}");
    eprintln!(
        "The key on the first line is shown only this once: give it to its owner. Store the record; it holds only the key's hash."
    );
    Ok(())
}
