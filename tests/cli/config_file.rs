//! The config file: flag over environment over file over default, for the
//! store, the keyring mode and create's defaults; a broken file is one line
//! naming the file and line, and nothing else happens; `config show`.

use crate::common::{assert_error, TestEnv};

/// The `config show --format json` entry for one setting.
fn setting(cmd: &mut assert_cmd::Command, name: &str) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {json}"))
        .clone()
}

#[test]
fn the_store_comes_from_the_flag_then_the_environment_then_the_config_file() {
    let env = TestEnv::empty();
    let from_file = env.dir.path().join("from-file.db");
    let from_env = env.dir.path().join("from-env.db");
    let from_flag = env.dir.path().join("from-flag.db");
    let config = env.write_config(&format!("db = \"{}\"\n", from_file.display()));

    // The file alone: the store is made there.
    let mut cmd = env.cmd(&["org", "list"]);
    cmd.env_remove("TOKCTL_DB").assert().success();
    assert!(from_file.exists());
    let mut cmd = env.cmd(&["config", "show", "--format", "json"]);
    cmd.env_remove("TOKCTL_DB");
    let db = setting(&mut cmd, "db");
    assert_eq!(db["value"], from_file.display().to_string());
    assert_eq!(db["source"], "config");
    assert_eq!(db["from"], config.display().to_string());

    // The environment beats the file.
    let mut cmd = env.cmd(&["org", "list"]);
    cmd.env("TOKCTL_DB", &from_env).assert().success();
    assert!(from_env.exists());
    let mut cmd = env.cmd(&["config", "show", "--format", "json"]);
    cmd.env("TOKCTL_DB", &from_env);
    let db = setting(&mut cmd, "db");
    assert_eq!(db["source"], "env");
    assert_eq!(db["from"], "TOKCTL_DB");

    // The flag beats both.
    let flag = from_flag.display().to_string();
    let mut cmd = env.cmd(&["org", "list", "--db", &flag]);
    cmd.env("TOKCTL_DB", &from_env).assert().success();
    assert!(from_flag.exists());
    let mut cmd = env.cmd(&["config", "show", "--format", "json", "--db", &flag]);
    let db = setting(&mut cmd, "db");
    assert_eq!(db["value"], flag);
    assert_eq!(db["source"], "flag");
}

#[test]
fn without_a_config_file_the_store_is_the_default_one() {
    let env = TestEnv::empty();
    let mut cmd = env.cmd(&["config", "show", "--format", "json"]);
    cmd.env_remove("TOKCTL_DB");
    let db = setting(&mut cmd, "db");
    assert_eq!(db["source"], "default");
    assert!(db["value"].as_str().unwrap().ends_with("tokctl.db"), "{db}");
}

/// The keyring word `create --format json` reports, with these extra flags and TOKCTL_KEYRING.
fn keyring_word(env: &TestEnv, name: &str, args: &[&str], var: Option<&str>) -> String {
    let mut full = vec![
        "create",
        "--name",
        name,
        "--scope",
        "repo:read",
        "--expires",
        "7d",
        "--format",
        "json",
    ];
    full.extend_from_slice(args);
    let mut cmd = env.cmd(&full);
    if let Some(mode) = var {
        cmd.env("TOKCTL_KEYRING", mode);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["keyring"].as_str().unwrap().to_owned()
}

#[test]
fn the_keyring_mode_comes_from_the_flag_then_the_environment_then_the_config_file() {
    let env = TestEnv::new();
    assert_eq!(keyring_word(&env, "built-in", &[], None), "stored");
    env.write_config("keyring = \"off\"\n");
    assert_eq!(keyring_word(&env, "from-file", &[], None), "off");
    assert_eq!(keyring_word(&env, "from-env", &[], Some("auto")), "stored");
    assert_eq!(
        keyring_word(&env, "from-flag", &["--keyring", "off"], Some("auto")),
        "off"
    );
    assert_eq!(
        keyring_word(&env, "flag-over-file", &["--keyring", "auto"], None),
        "stored"
    );
}

#[test]
fn create_takes_its_expiry_scopes_and_org_from_the_config_file_unless_flags_give_them() {
    let env = TestEnv::new();
    env.ok(&["org", "add", "acme"]);
    env.write_config(
        "org = \"acme\"\n\n[create]\nexpires = \"30d\"\nscopes = [\"repo:read\", \"issues:write\"]\n",
    );
    let json = env.json(&["create", "--name", "defaults", "--format", "json"]);
    assert_eq!(json["token"]["org"], "acme");
    assert_eq!(
        json["token"]["scopes"],
        serde_json::json!(["issues:write", "repo:read"])
    );
    assert_eq!(json["token"]["expires_at"], "2026-12-22T10:00:00Z");

    // Flags replace the defaults, the scopes as a whole.
    let json = env.json(&[
        "create",
        "--name",
        "flags",
        "--scope",
        "repo:write",
        "--expires",
        "7d",
        "--org",
        "default",
        "--format",
        "json",
    ]);
    assert_eq!(json["token"]["scopes"], serde_json::json!(["repo:write"]));
    assert_eq!(json["token"]["expires_at"], "2026-11-29T10:00:00Z");
    assert_ne!(json["token"]["org"], "acme");
}

#[test]
fn an_unknown_key_is_one_line_naming_the_file_and_line_and_nothing_happens() {
    let env = TestEnv::empty();
    let path = env.write_config("keyring = \"off\"\ncolour = \"never\"\n");
    let out = env.run(&["org", "list"]);
    assert_error(
        &out,
        2,
        &format!("{}:2: unknown field `colour`", path.display()),
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    assert!(out.stdout.is_empty());
    assert!(!env.db().exists(), "no store was made");
}

#[test]
fn a_malformed_file_is_one_line_naming_the_file_and_line() {
    let env = TestEnv::empty();
    let path = env.write_config("[create]\nexpires = \"30d\nscopes = []\n");
    let out = env.run(&["config", "show"]);
    assert_error(&out, 2, &format!("{}:2: ", path.display()));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    assert!(out.stdout.is_empty());

    let path = env.write_config("\n\nkeyring = \"sometimes\"\n");
    let out = env.run(&["org", "list"]);
    assert_error(
        &out,
        2,
        &format!("{}:3: keyring: 'sometimes'", path.display()),
    );
    assert!(!env.db().exists(), "no store was made");
}

#[test]
fn tokctl_config_names_the_file_and_must_exist() {
    let env = TestEnv::empty();
    let named = env.dir.path().join("elsewhere.toml");
    let mut cmd = env.cmd(&["org", "list"]);
    let out = cmd.env("TOKCTL_CONFIG", &named).output().unwrap();
    assert_error(&out, 2, &named.display().to_string());

    std::fs::write(&named, "keyring = \"required\"\n").unwrap();
    let mut cmd = env.cmd(&["config", "show", "--format", "json"]);
    cmd.env("TOKCTL_CONFIG", &named);
    let keyring = setting(&mut cmd, "keyring");
    assert_eq!(keyring["value"], "required");
    assert_eq!(keyring["from"], named.display().to_string());
}

#[test]
fn config_show_lists_every_setting_with_its_source() {
    let env = TestEnv::empty();
    let path = env.write_config("color = \"never\"\n[create]\nexpires = \"90d\"\n");
    let out = env.run(&["config", "show", "--keyring", "off"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    let db = env.db().display().to_string();
    let file = path.display().to_string();
    assert_eq!(
        rows,
        vec![
            vec!["SETTING", "VALUE", "SOURCE"],
            vec!["db", db.as_str(), "env", "TOKCTL_DB"],
            vec!["org", "-", "default"],
            vec!["keyring", "off", "flag", "--keyring"],
            vec!["color", "never", file.as_str()],
            vec!["create.expires", "90d", file.as_str()],
            vec!["create.scopes", "-", "default"],
        ]
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr, format!("config file: {file}\n"));
}
