//! The credential chain: explicit → environment → profile file. Pure: the
//! environment and the file system come in through [`Environment`], which the
//! transport crates implement over the real process.

use std::path::{Path, PathBuf};

use crate::{Credentials, Error};

/// Environment variable with the SecretId.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// Environment variable with the SecretKey.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// Environment variable with a session token.
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// The session token's other names, which other tools use; read when the first is unset.
pub const ENV_TOKEN_ALIASES: [&str; 2] = ["TENCENTCLOUD_SECURITY_TOKEN", "TENCENTCLOUD_TOKEN"];
/// The machine-wide profile file, read when the user's has no such profile.
pub const SYSTEM_CREDENTIALS_FILE: &str = "/etc/tencentcloud/credentials";
/// Environment variable naming the region.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";
/// Environment variable naming the profile.
pub const ENV_PROFILE: &str = "TENCENTCLOUD_PROFILE";
/// Environment variable naming another credentials file.
pub const ENV_CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";

/// What the chain may read.
pub trait Environment: Send + Sync {
    /// An environment variable.
    fn var(&self, name: &str) -> Option<String>;
    /// A whole file.
    fn read_file(&self, path: &Path) -> std::io::Result<String>;
    /// The user's home directory.
    fn home_dir(&self) -> Option<PathBuf>;
}

/// An environment with no variables, no files and no home: what a client over a
/// custom transport reads, since core itself reads nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEnvironment;

impl Environment for NoEnvironment {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn read_file(&self, _: &Path) -> std::io::Result<String> {
        Err(std::io::ErrorKind::NotFound.into())
    }
    fn home_dir(&self) -> Option<PathBuf> {
        None
    }
}

/// What the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// The region: the environment's, else the profile's.
    pub region: Option<String>,
    /// Where the credentials came from, e.g. `environment` or `profile default in ~/.tencentcloud/credentials`.
    pub source: String,
    /// The profile's `role_arn`: the role to assume with these credentials.
    pub role_arn: Option<String>,
    /// The profile's `role_session_name`, for that role.
    pub role_session_name: Option<String>,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Resolves credentials and region: `explicit` if given; else the environment
/// (`TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`, `TENCENTCLOUD_SESSION_TOKEN`);
/// else the profile file (`TENCENTCLOUD_CREDENTIALS_FILE` or `~/.tencentcloud/credentials`),
/// section `profile` or `TENCENTCLOUD_PROFILE` or `default`. The region comes from
/// `TENCENTCLOUD_REGION`, else from the profile. A failure names every source tried.
pub fn resolve(
    explicit: Option<&Credentials>,
    profile: Option<&str>,
    env: &dyn Environment,
) -> Result<Resolved, Error> {
    let (profile_name, files) = active_profile(profile, env);
    // The first file holding the profile, or why each gave nothing.
    let mut file_failures = Vec::new();
    let mut profile_section = None;
    for path in &files {
        match env
            .read_file(path)
            .map(|text| section(&text, &profile_name))
        {
            Ok(Some(found)) => {
                profile_section = Some((path, found));
                break;
            }
            Ok(None) => file_failures.push(format!(
                "profile file {}: no [{profile_name}] section",
                path.display()
            )),
            Err(e) => file_failures.push(format!("profile file {}: {}", path.display(), e.kind())),
        }
    }
    let profile_region = profile_section.as_ref().and_then(|(_, s)| s.get("region"));
    let region = non_empty(env.var(ENV_REGION)).or(profile_region);
    if let Some(credentials) = explicit {
        return Ok(Resolved {
            credentials: credentials.clone(),
            region,
            source: "explicit".into(),
            role_arn: None,
            role_session_name: None,
        });
    }
    let mut tried = vec!["explicit credentials: none given".to_owned()];
    match (
        non_empty(env.var(ENV_SECRET_ID)),
        non_empty(env.var(ENV_SECRET_KEY)),
    ) {
        (Some(id), Some(key)) => {
            let mut credentials = Credentials::new(id, key);
            let token = std::iter::once(ENV_SESSION_TOKEN)
                .chain(ENV_TOKEN_ALIASES)
                .find_map(|name| non_empty(env.var(name)));
            if let Some(token) = token {
                credentials = credentials.with_token(token);
            }
            return Ok(Resolved {
                credentials,
                region,
                source: "environment".into(),
                role_arn: None,
                role_session_name: None,
            });
        }
        (None, None) => tried.push(format!(
            "environment: {ENV_SECRET_ID} and {ENV_SECRET_KEY} not set"
        )),
        (Some(_), None) => tried.push(format!("environment: {ENV_SECRET_KEY} not set")),
        (None, Some(_)) => tried.push(format!("environment: {ENV_SECRET_ID} not set")),
    }
    match profile_section {
        None if files.is_empty() => tried
            .push("profile file: no home directory and no TENCENTCLOUD_CREDENTIALS_FILE".into()),
        None => tried.extend(file_failures),
        Some((path, s)) => match (s.get("secret_id"), s.get("secret_key")) {
            (Some(id), Some(key)) => {
                let mut credentials = Credentials::new(id, key);
                if let Some(token) = s.get("token") {
                    credentials = credentials.with_token(token);
                }
                return Ok(Resolved {
                    credentials,
                    region,
                    source: format!("profile {profile_name} in {}", path.display()),
                    role_arn: s.get("role_arn"),
                    role_session_name: s.get("role_session_name"),
                });
            }
            _ => tried.push(format!(
                "profile file {}: [{profile_name}] lacks secret_id or secret_key",
                path.display()
            )),
        },
    }
    Err(Error::Credentials { tried })
}

/// The region the chain finds: `TENCENTCLOUD_REGION`, else the profile's `region`.
pub fn region(profile: Option<&str>, env: &dyn Environment) -> Option<String> {
    non_empty(env.var(ENV_REGION)).or_else(|| {
        let (name, files) = active_profile(profile, env);
        files
            .iter()
            .find_map(|path| section(&env.read_file(path).ok()?, &name))
            .and_then(|s| s.get("region"))
    })
}

/// How a client gets its credentials, decided when it is built, without I/O: a
/// cache over fixed credentials or over a provider, and the region.
#[derive(Debug)]
pub struct CredentialPlan {
    /// The cache every request takes its snapshot from.
    pub cache: crate::provider::CredentialCache,
    /// Long-term credentials found without a provider (none when a provider supplies them).
    pub fixed: Option<Credentials>,
    /// The region: the configuration's, else the environment's, else the profile's.
    pub region: Option<String>,
}

/// Decides where credentials come from, in this order: a provider given to the
/// builder; the instance role when `use_cvm_role` is set; explicit credentials; the
/// environment; the profile file (assuming its `role_arn` if it names one); then, at
/// the first call, the CVM instance role and TKE's OIDC identity. A builder
/// `role_arn` is assumed on top of whichever base that gives.
pub fn plan(config: &crate::Config, env: &dyn Environment) -> Result<CredentialPlan, Error> {
    use crate::provider::{
        self as p, AssumeRole, CredentialCache, CvmRole, DefaultChain, SharedProvider,
        StaticCredentials, WebIdentity,
    };
    use std::sync::Arc;
    let settings = config.provider_settings();
    let profile = config.profile();
    let metadata = settings
        .metadata_endpoint
        .clone()
        .or_else(|| non_empty(env.var(p::ENV_METADATA_ENDPOINT)))
        .unwrap_or_else(|| p::DEFAULT_METADATA_ENDPOINT.to_owned());
    let sts = settings
        .sts_endpoint
        .clone()
        .or_else(|| non_empty(env.var(p::ENV_STS_ENDPOINT)))
        .unwrap_or_else(|| p::DEFAULT_STS_ENDPOINT.to_owned());
    use crate::config::naming;
    let cvm_role = || -> Result<SharedProvider, Error> {
        Ok(Arc::new(CvmRole::new(&metadata).map_err(naming(
            "metadata_endpoint (or TENCENTCLOUD_METADATA_ENDPOINT)",
        ))?))
    };
    let region = config
        .region()
        .map(str::to_owned)
        .or_else(|| region(profile, env));
    let assume =
        |base: SharedProvider, arn: &str, session: Option<&str>| -> Result<SharedProvider, Error> {
            let mut role = AssumeRole::new(base, arn)?
                .endpoint(&sts)
                .map_err(naming("sts_endpoint (or TENCENTCLOUD_STS_ENDPOINT)"))?;
            if let Some(region) = &region {
                role = role.region(region);
            }
            if let Some(session) = session {
                role = role.session_name(session)?;
            }
            Ok(Arc::new(role))
        };
    // The base: a provider, or fixed credentials and their source's name.
    let mut fixed = None;
    let base: SharedProvider = if let Some(provider) = &settings.provider {
        provider.clone()
    } else if settings.use_cvm_role {
        cvm_role()?
    } else {
        match resolve(config.credentials(), profile, env) {
            Ok(found) => {
                let base = Arc::new(StaticCredentials::new(
                    found.credentials.clone(),
                    found.source.clone(),
                ));
                match (&found.role_arn, &settings.role_arn) {
                    // The profile's role, unless the builder names another.
                    (Some(arn), None) => assume(base, arn, found.role_session_name.as_deref())?,
                    _ => {
                        fixed = Some((found.credentials, found.source));
                        base
                    }
                }
            }
            Err(Error::Credentials { tried }) => {
                let web_identity = WebIdentity::from_env(env)
                    .and_then(|w| w.endpoint(&sts).map_err(|e| e.to_string()))
                    .map(|w| Arc::new(w) as SharedProvider)
                    .map_err(|reason| format!("TKE OIDC: {reason}"));
                Arc::new(DefaultChain::new(
                    tried,
                    vec![Ok(cvm_role()?), web_identity],
                ))
            }
            Err(e) => return Err(e),
        }
    };
    let margin = settings.refresh_margin;
    let (cache, fixed) = match (&settings.role_arn, fixed) {
        (Some(arn), _) => (
            CredentialCache::new(
                assume(base, arn, settings.role_session_name.as_deref())?,
                margin,
            ),
            None,
        ),
        (None, Some((credentials, source))) => (
            CredentialCache::fixed(credentials.clone(), source),
            Some(credentials),
        ),
        (None, None) => (CredentialCache::new(base, margin), None),
    };
    Ok(CredentialPlan {
        cache,
        fixed,
        region,
    })
}

/// The profile to read (`profile`, else `TENCENTCLOUD_PROFILE`, else `default`) and
/// the files to look in, in order: `TENCENTCLOUD_CREDENTIALS_FILE` alone if set, else
/// `~/.tencentcloud/credentials`, then `/etc/tencentcloud/credentials`.
fn active_profile(profile: Option<&str>, env: &dyn Environment) -> (String, Vec<PathBuf>) {
    let profile_name = profile
        .map(str::to_owned)
        .or_else(|| non_empty(env.var(ENV_PROFILE)))
        .unwrap_or_else(|| "default".to_owned());
    let files = match non_empty(env.var(ENV_CREDENTIALS_FILE)) {
        Some(file) => vec![PathBuf::from(file)],
        None => env
            .home_dir()
            .map(|h| h.join(".tencentcloud").join("credentials"))
            .into_iter()
            .chain([PathBuf::from(SYSTEM_CREDENTIALS_FILE)])
            .collect(),
    };
    (profile_name, files)
}

/// Where requests go, from the environment and the profile file: a full URL for
/// every module, and a domain to derive hosts from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointSettings {
    /// `TENCENTCLOUD_ENDPOINT`.
    pub env_endpoint: Option<String>,
    /// `TENCENTCLOUD_DOMAIN`.
    pub env_domain: Option<String>,
    /// The active profile's label (`profile default in PATH`), `endpoint` and `domain`.
    pub profile: Option<(String, Option<String>, Option<String>)>,
}

/// Reads [`EndpointSettings`]; the profile file only when the environment names neither.
pub fn endpoint_settings(profile: Option<&str>, env: &dyn Environment) -> EndpointSettings {
    let env_endpoint = non_empty(env.var(crate::config::ENV_ENDPOINT));
    let env_domain = non_empty(env.var(crate::config::ENV_DOMAIN));
    let profile = if env_endpoint.is_some() || env_domain.is_some() {
        None
    } else {
        let (name, files) = active_profile(profile, env);
        files.into_iter().find_map(|path| {
            let section = section(&env.read_file(&path).ok()?, &name)?;
            Some((
                format!("profile {name} in {}", path.display()),
                section.get("endpoint"),
                section.get("domain"),
            ))
        })
    };
    EndpointSettings {
        env_endpoint,
        env_domain,
        profile,
    }
}

/// The profile file's text with `[profile]` holding `values` (each replacing that
/// key, or added), every other section, comment and key kept as it was. Pure: the
/// CLI's `qcapi configure` reads and writes the file.
///
/// ```
/// let text = "[default]\nsecret_id = old\n# keep\n[other]\nregion = sh\n";
/// let new = qcapi_core::chain::with_profile(text, "default", &[("secret_id", "AKIDnew"), ("region", "gz")]);
/// assert_eq!(new, "[default]\nsecret_id = AKIDnew\n# keep\nregion = gz\n[other]\nregion = sh\n");
/// let added = qcapi_core::chain::with_profile("", "ops", &[("secret_id", "AKIDops")]);
/// assert_eq!(added, "[ops]\nsecret_id = AKIDops\n");
/// let spaced = qcapi_core::chain::with_profile("[a]\nx = 1\n\n[b]\n", "a", &[("y", "2")]);
/// assert_eq!(spaced, "[a]\nx = 1\ny = 2\n\n[b]\n");
/// let appended = qcapi_core::chain::with_profile("[a]\nx = 1\n", "b", &[("y", "2")]);
/// assert_eq!(appended, "[a]\nx = 1\n\n[b]\ny = 2\n");
/// ```
pub fn with_profile(text: &str, profile: &str, values: &[(&str, &str)]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_profile = false;
    let mut found = false;
    let mut written = vec![false; values.len()];
    // Adds the keys not yet written, before the line that ends the profile's section.
    let flush = |out: &mut Vec<String>, written: &mut Vec<bool>| {
        if written.iter().all(|w| *w) {
            return;
        }
        // New keys go right after the section's last key, before blank lines.
        let mut blanks = 0;
        while out.last().is_some_and(|l| l.trim().is_empty()) {
            out.pop();
            blanks += 1;
        }
        for (i, (key, value)) in values.iter().enumerate() {
            if !written[i] {
                out.push(format!("{key} = {value}"));
                written[i] = true;
            }
        }
        out.extend(std::iter::repeat_n(String::new(), blanks));
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if in_profile {
                flush(&mut out, &mut written);
            }
            in_profile = header.trim() == profile;
            found |= in_profile;
            out.push(line.to_owned());
            continue;
        }
        if in_profile
            && let Some((key, _)) = trimmed.split_once('=')
            && let Some(i) = values.iter().position(|(k, _)| *k == key.trim())
        {
            if !written[i] {
                out.push(format!("{} = {}", values[i].0, values[i].1));
                written[i] = true;
            }
            continue;
        }
        out.push(line.to_owned());
    }
    if in_profile {
        flush(&mut out, &mut written);
    }
    if !found {
        if out.last().is_some_and(|l| !l.trim().is_empty()) {
            out.push(String::new());
        }
        out.push(format!("[{profile}]"));
        flush(&mut out, &mut written);
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The file `qcapi configure` writes: `TENCENTCLOUD_CREDENTIALS_FILE`, else
/// `~/.tencentcloud/credentials`.
pub fn profile_file(env: &dyn Environment) -> Option<PathBuf> {
    non_empty(env.var(ENV_CREDENTIALS_FILE))
        .map(PathBuf::from)
        .or_else(|| {
            env.home_dir()
                .map(|h| h.join(".tencentcloud").join("credentials"))
        })
}

/// One INI section's `key = value` pairs.
struct Section(Vec<(String, String)>);

impl Section {
    fn get(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| non_empty(Some(v.clone())))
    }
}

/// The `[name]` section of an INI text (`#` and `;` start comments), if present.
fn section(text: &str, name: &str) -> Option<Section> {
    let mut current: Option<&str> = None;
    let mut found = false;
    let mut pairs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(header.trim());
            found |= header.trim() == name;
            continue;
        }
        if current == Some(name) {
            if let Some((k, v)) = line.split_once('=') {
                pairs.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
    }
    found.then_some(Section(pairs))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct FakeEnv {
        vars: HashMap<&'static str, &'static str>,
        files: HashMap<PathBuf, &'static str>,
    }

    impl Environment for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).map(|s| s.to_string())
        }
        fn read_file(&self, path: &Path) -> std::io::Result<String> {
            self.files
                .get(path)
                .map(|s| s.to_string())
                .ok_or_else(|| std::io::ErrorKind::NotFound.into())
        }
        fn home_dir(&self) -> Option<PathBuf> {
            Some(PathBuf::from("/home/u"))
        }
    }

    const FILE: &str = "# comment\n[default]\nsecret_id = AKIDfile\nsecret_key = filekey\nregion = sh\n\n[ops]\nsecret_id=AKIDops\nsecret_key=opskey\ntoken=opstoken\n[half]\nsecret_id=x\n";

    fn env(vars: &[(&'static str, &'static str)], with_file: bool) -> FakeEnv {
        let mut files = HashMap::new();
        if with_file {
            files.insert(PathBuf::from("/home/u/.tencentcloud/credentials"), FILE);
            files.insert(
                PathBuf::from("/elsewhere"),
                "[default]\nsecret_id=AKIDelse\nsecret_key=k\n",
            );
        }
        FakeEnv {
            vars: vars.iter().copied().collect(),
            files,
        }
    }

    /// (secret id, region, source prefix) or the error text's fragments.
    fn check(
        explicit: Option<Credentials>,
        profile: Option<&str>,
        e: FakeEnv,
        expected: Result<(&str, Option<&str>, &str), &[&str]>,
    ) {
        let got = resolve(explicit.as_ref(), profile, &e);
        match (got, expected) {
            (Ok(r), Ok((id, region, source))) => {
                assert_eq!(r.credentials.secret_id(), id);
                assert_eq!(r.region.as_deref(), region);
                assert!(r.source.starts_with(source), "{}", r.source);
            }
            (Err(err), Err(fragments)) => {
                let text = err.to_string();
                for f in fragments {
                    assert!(text.contains(f), "{text} lacks {f}");
                }
            }
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn chain_order_and_failures() {
        let explicit = Credentials::new("AKIDexplicit", "k");
        check(
            Some(explicit),
            None,
            env(&[(ENV_SECRET_ID, "AKIDenv"), (ENV_SECRET_KEY, "k")], true),
            Ok(("AKIDexplicit", Some("sh"), "explicit")),
        );
        check(
            None,
            None,
            env(
                &[
                    (ENV_SECRET_ID, "AKIDenv"),
                    (ENV_SECRET_KEY, "k"),
                    (ENV_REGION, "gz"),
                ],
                true,
            ),
            Ok(("AKIDenv", Some("gz"), "environment")),
        );
        check(
            None,
            None,
            env(&[(ENV_SECRET_ID, "AKIDenv")], true),
            Ok(("AKIDfile", Some("sh"), "profile default")),
        );
        check(
            None,
            Some("ops"),
            env(&[], true),
            Ok(("AKIDops", None, "profile ops")),
        );
        check(
            None,
            None,
            env(&[(ENV_PROFILE, "ops")], true),
            Ok(("AKIDops", None, "profile ops")),
        );
        check(
            None,
            None,
            env(&[(ENV_CREDENTIALS_FILE, "/elsewhere")], true),
            Ok(("AKIDelse", None, "profile default in /elsewhere")),
        );
        check(
            None,
            None,
            env(&[], false),
            Err(&[
                "explicit",
                "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY not set",
                "/home/u/.tencentcloud/credentials",
                "not found",
            ]),
        );
        check(
            None,
            Some("nope"),
            env(&[(ENV_SECRET_ID, "x")], true),
            Err(&["TENCENTCLOUD_SECRET_KEY not set", "no [nope] section"]),
        );
        check(
            None,
            Some("half"),
            env(&[], true),
            Err(&["lacks secret_id or secret_key"]),
        );
        // The machine-wide file, when the user's lacks the profile (or does not exist).
        let mut machine = env(&[], true);
        machine.files.insert(
            PathBuf::from(SYSTEM_CREDENTIALS_FILE),
            "[shared]\nsecret_id=AKIDetc\nsecret_key=k\nregion=bj\n",
        );
        check(
            None,
            Some("shared"),
            machine,
            Ok((
                "AKIDetc",
                Some("bj"),
                "profile shared in /etc/tencentcloud/credentials",
            )),
        );
        check(
            None,
            Some("nope"),
            env(&[], true),
            Err(&[
                "/home/u/.tencentcloud/credentials: no [nope] section",
                "/etc/tencentcloud/credentials: entity not found",
            ]),
        );
    }

    #[test]
    fn tokens_come_along_and_never_show() {
        let r = resolve(None, Some("ops"), &env(&[], true)).unwrap();
        assert_eq!(r.credentials.token().map(|t| t.expose()), Some("opstoken"));
        assert!(!format!("{r:?}").contains("opstoken") && !format!("{r:?}").contains("opskey"));
        let r = resolve(
            None,
            None,
            &env(
                &[
                    (ENV_SECRET_ID, "a"),
                    (ENV_SECRET_KEY, "b"),
                    (ENV_SESSION_TOKEN, "t"),
                ],
                false,
            ),
        )
        .unwrap();
        assert_eq!(r.credentials.token().map(|t| t.expose()), Some("t"));
        // The token's other names, in order, when TENCENTCLOUD_SESSION_TOKEN is unset.
        fn token(vars: &[(&'static str, &'static str)]) -> Option<String> {
            let mut all = vec![(ENV_SECRET_ID, "a"), (ENV_SECRET_KEY, "b")];
            all.extend_from_slice(vars);
            let r = resolve(None, None, &env(&all, false)).unwrap();
            r.credentials.token().map(|t| t.expose().to_owned())
        }
        assert_eq!(token(&[]), None);
        assert_eq!(
            token(&[("TENCENTCLOUD_TOKEN", "t3")]).as_deref(),
            Some("t3")
        );
        assert_eq!(
            token(&[
                ("TENCENTCLOUD_TOKEN", "t3"),
                ("TENCENTCLOUD_SECURITY_TOKEN", "t2")
            ])
            .as_deref(),
            Some("t2")
        );
        assert_eq!(
            token(&[
                ("TENCENTCLOUD_SECURITY_TOKEN", "t2"),
                (ENV_SESSION_TOKEN, "t1")
            ])
            .as_deref(),
            Some("t1")
        );
        assert_eq!(
            token(&[(ENV_SESSION_TOKEN, " "), ("TENCENTCLOUD_TOKEN", "t3")]).as_deref(),
            Some("t3")
        );
    }
}
