"""Read a store straight from an S3 bucket, as a notebook user on another machine does: pandas through
pyarrow's S3 filesystem and polars with its own object-store reader (no s3fs: not in the local wheel index).
Prints what each sees as JSON.

usage: python read-from-bucket.py ENDPOINT KEY_ID SECRET BUCKET/KEY
"""
import json
import sys
from urllib.parse import urlparse

import pandas as pd
import polars as pl
from pyarrow import fs

endpoint, key_id, secret, location = sys.argv[1:5]
url = urlparse(endpoint)
s3 = fs.S3FileSystem(endpoint_override=url.netloc, scheme=url.scheme, access_key=key_id, secret_key=secret, region="us-east-1")
df = pd.read_parquet(location, filesystem=s3)
pf = pl.read_parquet(f"s3://{location}", storage_options={
    "aws_endpoint_url": endpoint, "aws_access_key_id": key_id, "aws_secret_access_key": secret,
    "aws_region": "us-east-1", "aws_allow_http": "true",
})
print(json.dumps({
    "pandas_dtypes": {k: str(v) for k, v in df.dtypes.items()},
    "polars_schema": {k: str(v) for k, v in pf.schema.items()},
    "time_ms": [int(t) // 1_000_000 for t in df["time"].astype("int64")],
    "close": [float(x) for x in df["Close"]],
    "polars_close": [float(x) for x in pf["Close"]],
}))
