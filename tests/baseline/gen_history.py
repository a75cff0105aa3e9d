#!/usr/bin/env python3
"""Writes a CloudTrail history for the baseline round trip (NDJSON): automation principals
from their CI networks on every day, benign reads and console sessions, rare outliers and the
CI role's keys used once from outside its network. Deterministic."""

import json
import sys

CI = "arn:aws:sts::111122223333:assumed-role/ci-deploy/"
TF = "arn:aws:sts::111122223333:assumed-role/terraform/"
BACKUP = "arn:aws:iam::111122223333:user/svc-backup"
CLI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64"


def ct(day, minute, source, name, arn, ip, agent):
    return {
        "eventVersion": "1.08",
        "eventTime": f"2026-01-{day:02d}T{6 + minute // 60 % 12:02d}:{minute % 60:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": ip,
        "userAgent": agent,
        "userIdentity": {"type": "AssumedRole" if "assumed-role" in arn else "IAMUser", "arn": arn},
        "recipientAccountId": "111122223333",
    }


def main(path):
    ev = []
    for day in range(1, 15):
        for i in range(20):
            ev.append(ct(day, i * 7, "ssm.amazonaws.com", "SendCommand", f"{CI}gha-{day}-{i}", f"203.0.113.{10 + i % 6}", CLI))
        for i in range(5):
            ev.append(ct(day, 200 + i, "ec2.amazonaws.com", "RunInstances", BACKUP, f"203.0.113.{40 + i}", "Boto3/1.34.0 Python/3.12"))
        for i in range(3):
            ev.append(ct(day, 300 + i, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", f"{TF}run-{day}{i}", f"10.20.5.{7 + i}", "aws-sdk-go-v2/1.24"))
        for i in range(40):
            ev.append(ct(day, 400 + i, "ec2.amazonaws.com", "DescribeInstances", "arn:aws:iam::111122223333:user/alice", "198.51.100.9", CLI))
    ev.append(ct(5, 3, "ssm.amazonaws.com", "SendCommand", "arn:aws:iam::111122223333:user/mallory", "192.0.2.66", "python-requests/2.31"))
    ev.append(ct(9, 5, "ssm.amazonaws.com", "SendCommand", f"{CI}stolen", "198.51.100.200", CLI))
    with open(path, "w") as f:
        for e in ev:
            f.write(json.dumps(e) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
