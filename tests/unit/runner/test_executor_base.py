import pytest

from runner.executors import RunSpec, build_argv, build_env, get_executor
from runner.executors.base import DEFAULT_PATH
from runner.executors.process import ProcessExecutor
from runner.executors.runc_config import build_config, resolve_user, seccomp_profile

IMAGE = {"Entrypoint": ["/bin/bench"], "Cmd": ["--fast"], "Env": ["PATH=/bin", "A=1=2"]}


@pytest.mark.parametrize(
    ("config", "entrypoint", "cmd", "expected"),
    [
        (IMAGE, None, None, ["/bin/bench", "--fast"]),
        (IMAGE, None, ["--slow"], ["/bin/bench", "--slow"]),
        (IMAGE, ["/bin/other"], None, ["/bin/other"]),  # entrypoint override clears Cmd
        (IMAGE, ["/bin/other"], ["x"], ["/bin/other", "x"]),
        (IMAGE, [], ["/bin/sh", "-c", "true"], ["/bin/sh", "-c", "true"]),
        ({"Cmd": ["/bin/sh"]}, None, None, ["/bin/sh"]),
        ({"Entrypoint": ["/e"], "Cmd": ["a"]}, None, [], ["/e"]),  # explicit empty cmd
    ],
)
def test_build_argv_follows_docker(config, entrypoint, cmd, expected):
    assert build_argv(config, entrypoint, cmd) == expected


def test_build_argv_without_any_command_says_what_to_do():
    with pytest.raises(ValueError, match="pass an entrypoint or cmd"):
        build_argv({}, None, None)
    with pytest.raises(ValueError, match="no command"):
        build_argv(IMAGE, [], None)


def test_build_env_merges_and_defaults_path():
    assert build_env(IMAGE, {"B": "2", "A": "x"}) == {"PATH": "/bin", "A": "x", "B": "2"}
    assert build_env({"Env": ["A=1=2", "JUNK"]}) == {"A": "1=2", "PATH": DEFAULT_PATH}
    for bad in ("", "A=B", "A\0"):
        with pytest.raises(ValueError, match="invalid environment variable"):
            build_env({}, {bad: "v"})


def test_get_executor_by_name():
    assert isinstance(get_executor("process"), ProcessExecutor)
    with pytest.raises(ValueError, match="choose 'runc' or 'process'"):
        get_executor("docker")


def spec(tmp_path, **kw):
    return RunSpec(rootfs=tmp_path, argv=["/bin/true"], env={}, **kw)


def test_runc_config_sandbox_settings(tmp_path):
    config = build_config(
        spec(tmp_path, memory_bytes=64 << 20, cpus=1.5, pids=100, output_dir=tmp_path / "out"),
        uid=0,
        gid=0,
        env={"PATH": "/bin"},
        cgroups_path="bencher-x",
        tmp_size_bytes=1 << 20,
    )
    assert config["root"] == {"path": str(tmp_path.resolve()), "readonly": True}
    assert config["process"]["noNewPrivileges"] is True
    assert config["process"]["terminal"] is False
    assert config["process"]["env"] == ["PATH=/bin"]
    assert config["process"]["capabilities"]["bounding"] == ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    namespaces = {n["type"] for n in config["linux"]["namespaces"]}
    assert namespaces == {"pid", "network", "ipc", "uts", "mount"}
    resources = config["linux"]["resources"]
    assert resources["memory"] == {"limit": 64 << 20, "swap": 64 << 20}
    assert resources["cpu"] == {"quota": 150_000, "period": 100_000}
    assert resources["pids"] == {"limit": 100}
    assert config["linux"]["cgroupsPath"] == "bencher-x"
    mounts = {m["destination"]: m for m in config["mounts"]}
    assert "size=1048576" in mounts["/tmp"]["options"]
    assert mounts["/bencher/output"]["source"] == str((tmp_path / "out").resolve())
    assert "rw" in mounts["/bencher/output"]["options"]
    assert "/proc/kcore" in config["linux"]["maskedPaths"]
    assert "/proc/sys" in config["linux"]["readonlyPaths"]


def test_runc_config_without_limits_or_output(tmp_path):
    config = build_config(
        spec(tmp_path), uid=1000, gid=1000, env={}, cgroups_path="c", tmp_size_bytes=1
    )
    assert set(config["linux"]["resources"]) == {"devices"}
    assert "/bencher/output" not in {m["destination"] for m in config["mounts"]}
    assert config["process"]["capabilities"]["effective"] == []


def test_runc_config_with_a_user_namespace_maps_ids(tmp_path):
    config = build_config(
        spec(tmp_path), uid=0, gid=0, env={}, cgroups_path="c", tmp_size_bytes=1, id_shift=100_000
    )
    assert {"type": "user"} in config["linux"]["namespaces"]
    mapping = [{"containerID": 0, "hostID": 100_000, "size": 65536}]
    assert config["linux"]["uidMappings"] == config["linux"]["gidMappings"] == mapping
    assert config["process"]["user"]["uid"] == 0  # root inside, 100000 on the host


def test_runc_config_without_a_cgroup_has_no_limits_or_cgroupfs(tmp_path):
    config = build_config(
        spec(tmp_path, memory_bytes=64 << 20, pids=100, output_dir=tmp_path / "out"),
        uid=0,
        gid=0,
        env={},
        cgroups_path=None,
        tmp_size_bytes=1,
    )
    assert "cgroupsPath" not in config["linux"] and "resources" not in config["linux"]
    mounts = {m["destination"] for m in config["mounts"]}
    assert "/sys/fs/cgroup" not in mounts and {"/sys", "/tmp", "/bencher/output"} <= mounts
    assert "/proc/kcore" in config["linux"]["maskedPaths"]


def test_seccomp_denies_namespace_escapes():
    profile = seccomp_profile()
    denied = profile["syscalls"][0]["names"]
    assert {"unshare", "setns", "mount", "keyctl", "bpf"} <= set(denied)
    clone = next(rule for rule in profile["syscalls"] if rule["names"] == ["clone"])
    assert clone["args"][0]["value"] == 0x10000000


def test_seccomp_refuses_io_uring_and_socket_families_but_unix_and_ip():
    rules = seccomp_profile()["syscalls"]
    io_uring = next(rule for rule in rules if "io_uring_setup" in rule["names"])
    assert set(io_uring["names"]) == {"io_uring_setup", "io_uring_enter", "io_uring_register"}
    family_rules = [rule for rule in rules if rule["names"] == ["socket", "socketpair"]]
    refused = {r["args"][0]["value"] for r in family_rules if r["args"][0]["op"] == "SCMP_CMP_EQ"}
    assert refused == set(range(64)) - {1, 2, 10}  # AF_UNIX, AF_INET, AF_INET6 stay
    assert {r["errnoRet"] for r in family_rules} == {97}  # EAFNOSUPPORT
    assert any(r["args"][0] == {"index": 0, "value": 64, "op": "SCMP_CMP_GE"} for r in family_rules)


def test_resolve_user_reads_the_rootfs_passwd(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nbench:x:1000:1001:B:/home/bench:/bin/sh\n"
    )
    (tmp_path / "etc/group").write_text("root:x:0:\nstaff:x:50:bench\n")
    assert resolve_user(tmp_path, "") == (0, 0, "/root")
    assert resolve_user(tmp_path, "bench") == (1000, 1001, "/home/bench")
    assert resolve_user(tmp_path, "1000") == (1000, 1001, "/home/bench")
    assert resolve_user(tmp_path, "bench:staff") == (1000, 50, "/home/bench")
    assert resolve_user(tmp_path, "2000:3000") == (2000, 3000, "/")
    with pytest.raises(ValueError, match="not in the image's /etc/passwd"):
        resolve_user(tmp_path, "nobody")
    with pytest.raises(ValueError, match="not in the image's /etc/group"):
        resolve_user(tmp_path, "bench:wheel")


def test_resolve_user_does_not_follow_a_symlinked_passwd(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").symlink_to("/etc/passwd")  # would be the host's file
    with pytest.raises(ValueError, match="not in the image"):
        resolve_user(tmp_path, "root")
