"""init, passwd, recover, user add, info, verify, backup, restore, recovery-keygen."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.cli.shared import (
    RECOVERY_CODE_ENV,
    CheckFailed,
    Command,
    add_code_arguments,
    open_ws,
    read_new_passphrase,
    read_passphrase,
    read_secret,
)
from app.domain.errors import ValidationError
from db.applock import IN_USE_MESSAGE, DatabaseInUse, app_is_running
from db.fsutil import write_atomic
from db.keyfile import load_x25519_private_key, load_x25519_public_key


def _init(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.base.workspace import init_database

    if not args.user:
        raise ValidationError("请用 --user 指定第一个用户的名字")
    pubkey = load_x25519_public_key(args.recovery_pubkey) if args.recovery_pubkey else None
    result = init_database(args.db, user=args.user, role=args.role,
                           passphrase=read_new_passphrase(), village=args.village,
                           recovery_public_key=pubkey)
    out: dict[str, Any] = {"db": str(result.path), "device_id": result.device_id,
                           "recovery": "township_key" if pubkey else "code"}
    if result.recovery_code:
        out["recovery_code"] = result.recovery_code
        out["notice"] = "恢复码只显示这一次：请抄写并交乡镇财政所保管，忘记口令时凭它恢复。"
    return out


def _passwd(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.base.workspace import change_passphrase

    name = change_passphrase(args.db, user=args.user, old=read_passphrase("当前口令: "),
                             new=read_new_passphrase())
    return {"user": name, "changed": True}


def _recover(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.base.workspace import recover

    key = load_x25519_private_key(args.township_key) if args.township_key else None
    code = None if key is not None else read_secret(
        RECOVERY_CODE_ENV, "恢复码", file=args.code_file, prompt="恢复码: ", required=False)
    if code is None and key is None:
        raise ValidationError(f"请提供恢复码（环境变量 {RECOVERY_CODE_ENV}、--code-file 文件，或在"
                              "终端中按提示输入），或用 --township-key 提供财政所恢复私钥文件")
    name = recover(args.db, user=args.user, new_passphrase=read_new_passphrase(), code=code,
                   private_key=key)
    return {"user": name, "recovered": True}


def _user_add(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.base.workspace import add_user

    with open_ws(args) as ws:
        add_user(ws, name=args.name, role=args.role, passphrase=read_new_passphrase())
    return {"user": args.name, "role": args.role}


def _info(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.base.workspace import database_info

    with open_ws(args, reads_only=True) as ws:
        return database_info(ws)


def _verify(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.upkeep.verify import verify_workspace

    with open_ws(args, reads_only=True) as ws:
        report = verify_workspace(ws).to_dict()
    if not report["ok"]:
        raise CheckFailed(report)
    return report


def _backup(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.upkeep.backup import backup_database

    with open_ws(args, reads_only=True) as ws:
        result = backup_database(ws, args.out)
    return {"backup": str(result.path), "key_file": str(result.key_path),
            "events": result.events}


def _restore(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.upkeep.backup import restore_database

    if app_is_running(args.db):  # replacing the file under the desktop loses its work
        raise DatabaseInUse(IN_USE_MESSAGE)
    return restore_database(args.db, args.file, user=args.user, passphrase=read_passphrase())


def _recovery_keygen(args: argparse.Namespace) -> dict[str, Any]:
    """For the township: a key pair whose public half is given to `yibao init`."""
    key = X25519PrivateKey.generate()
    private_path = Path(f"{args.out}.private.pem")
    public_path = Path(f"{args.out}.public.pem")
    if private_path.exists():
        raise ValidationError(f"文件已存在，不会覆盖：{private_path}")
    write_atomic(private_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    private_path.chmod(0o600)
    write_atomic(public_path, key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return {"private_key": str(private_path), "public_key": str(public_path)}


def register(cmd: Command) -> None:
    roles = ["collector", "township"]
    p = cmd.add("init", _init, "创建新的加密数据库和第一个用户")
    p.add_argument("--role", choices=roles, required=True)
    p.add_argument("--village", help="村代码")
    p.add_argument("--recovery-pubkey", type=Path, help="乡镇财政所的 X25519 恢复公钥文件")
    cmd.add("passwd", _passwd, "修改口令（数据密钥重新包装，数据库不重新加密）")
    p = cmd.add("recover", _recover, "忘记口令时用恢复码或财政所私钥设置新口令（恢复码来自环境变量 "
                f"{RECOVERY_CODE_ENV}、--code-file 文件或终端提示，从不写在命令行上）")
    add_code_arguments(p, env=RECOVERY_CODE_ENV, what="恢复码")
    p.add_argument("--township-key", type=Path, help="财政所恢复私钥 PEM 文件")
    p = cmd.add("add", _user_add, "添加用户", group="user")
    p.add_argument("--name", required=True)
    p.add_argument("--role", choices=roles, required=True)
    cmd.add("info", _info, "显示数据库信息")
    cmd.add("verify", _verify, "校验日志哈希链和账务一致性")
    p = cmd.add("backup", _backup, "写入加密备份（附带密钥文件副本）")
    p.add_argument("--out", type=Path, required=True)
    p = cmd.add("restore", _restore, "从备份恢复（先校验，再替换）")
    p.add_argument("file", type=Path)
    p = cmd.add("recovery-keygen", _recovery_keygen, "生成财政所恢复密钥对")
    p.add_argument("--out", required=True, help="输出文件名前缀")


def _demo(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.demo.village import create_demo

    return create_demo(args.db, user=args.user or "演示收款员", passphrase=read_new_passphrase())


def register_demo(cmd: Command) -> None:
    cmd.add("demo", _demo, "创建演示数据库（示例村、政策和票据）")
