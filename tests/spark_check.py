"""Two of the README's example queries in PySpark (local mode), compared
row by row with the same queries in DuckDB, on an exported dataset.

Not run by CI (installing pyspark alone takes minutes, see the README):

    pip install pyspark duckdb        # needs a Java runtime (Debian's 17)
    netexplain export --to dataset samples/*.pcap*
    python3 tests/spark_check.py dataset
"""

import sys

import duckdb
from pyspark.sql import SparkSession

QUERIES = {
    "frames per capture": (
        "SELECT capture, count(*) AS frames FROM {packets} "
        "GROUP BY capture ORDER BY capture"
    ),
    "TLS ClientHellos": (
        "SELECT capture, sni, ja4 FROM {tls} "
        "WHERE type = 'client_hello' ORDER BY capture, frame"
    ),
}


def main(dataset):
    spark = SparkSession.builder.master("local[2]").appName("netexplain").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    for table in ("packets", "tls"):
        spark.read.parquet(f"{dataset}/{table}").createOrReplaceTempView(table)
    failed = 0
    for name, sql in QUERIES.items():
        got = [tuple(r) for r in spark.sql(sql.format(packets="packets", tls="tls")).collect()]
        want = duckdb.sql(
            sql.format(
                packets=f"read_parquet('{dataset}/packets/*.parquet')",
                tls=f"read_parquet('{dataset}/tls/*.parquet')",
            )
        ).fetchall()
        if not got or got != [tuple(r) for r in want]:
            print(f"{name}: Spark gave {len(got)} rows, DuckDB {len(want)}, not equal")
            failed += 1
        else:
            print(f"{name}: {len(got)} rows, Spark equals DuckDB")
    spark.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dataset")
