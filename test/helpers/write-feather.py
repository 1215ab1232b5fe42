"""Write a freqtrade JSON candle file as freqtrade writes feather (pandas, pyarrow, LZ4).

usage: python write-feather.py IN.json OUT.feather
"""
import json
import sys

import pandas as pd

rows = json.load(open(sys.argv[1]))
df = pd.DataFrame(rows, columns=["date", "open", "high", "low", "close", "volume"])
df["date"] = pd.to_datetime(df["date"], unit="ms", utc=True)
df.reset_index(drop=True).to_feather(sys.argv[2], compression="lz4", compression_level=9)
