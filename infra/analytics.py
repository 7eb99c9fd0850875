"""Analytics: the exporter (DynamoDB stream → JSON Lines in S3), the Glue tables Athena reads them
through (date-partitioned with partition projection), the Athena workgroup and its saved views,
and optionally a QuickSight data source and data set.

The exporter writes `s3://<analytics bucket>/<table>/dt=YYYY-MM-DD/<name>.json.gz`: gzipped
JSON Lines, one object per row (`calsnack export` lays files out alike). The columns come from
`calsnack.analytics.rows.TABLES`, the module both exporters build their rows with, so the Glue
schema cannot drift from the files: synthesis imports that one module (standard library only), as
the CLI and the Lambda layer do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Aws, Duration
from aws_cdk import aws_athena as athena
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_quicksight as quicksight
from aws_cdk import aws_s3 as s3
from calsnack.analytics.rows import TABLES
from constructs import Construct

from infra import nag
from infra.functions import LambdaRuntime
from infra.queues import dead_letter_queue
from infra.storage import secure_bucket

#: The Glue database (Athena schema) the SQL files name; a stack's own database replaces it.
DATABASE = "calsnack"
SQL_DIR = Path(__file__).resolve().parent / "sql"
#: Views in creation order (by_organizer and by_domain read by_event).
VIEWS = ("by_event", "by_organizer", "by_domain")
BYTES_SCANNED_CUTOFF = 10 * 1024**3

PARTITION_KEY = "dt"
PARTITION_RANGE = "2024-01-01,NOW"
#: QuickSight types of the by_event view's columns.
BY_EVENT_COLUMNS: Mapping[str, str] = {
    "organizer": "STRING",
    "event_id": "STRING",
    "uid": "STRING",
    "status": "STRING",
    "sequence": "INTEGER",
    "summary": "STRING",
    "start": "STRING",
    "end": "STRING",
    "timezone": "STRING",
    "invited": "INTEGER",
    "accepted": "INTEGER",
    "tentative": "INTEGER",
    "declined": "INTEGER",
    "needs_action": "INTEGER",
}


_SCHEMA = re.compile(rf"\b{DATABASE}\.")


def view_sql(name: str, database: str = DATABASE) -> str:
    """The SELECT behind view `name` (infra/sql/<name>.sql without its comment lines), its
    tables in `database` (the files say `calsnack.`, so DuckDB can run them as they are)."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    sql = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip()
    return _SCHEMA.sub(f"{database}.", sql)


def create_view_statement(name: str, database: str = DATABASE) -> str:
    return f"CREATE OR REPLACE VIEW {name} AS\n{view_sql(name, database)}"


class Analytics(Construct):
    TIMEOUT = Duration.minutes(2)

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: LambdaRuntime,
        table: dynamodb.ITable,
        access_logs: s3.IBucket,
        database_name: str = DATABASE,
        workgroup_name: str = DATABASE,
        quicksight_enabled: bool,
        quicksight_principal_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        #: Names unique in the account and region, so that several stacks can live side by side.
        self.database_name = database_name
        self.workgroup_name = workgroup_name

        self.bucket = secure_bucket(self, "Bucket", access_logs=access_logs, access_log_prefix="analytics/")
        self.results_bucket = secure_bucket(
            self,
            "AthenaResultsBucket",
            access_logs=access_logs,
            access_log_prefix="athena-results/",
            lifecycle_rules=[s3.LifecycleRule(id="ExpireResults", expiration=Duration.days(30))],
        )

        self.dead_letter_queue = dead_letter_queue(self, "ExporterFailures")
        nag.acknowledge(
            self.dead_letter_queue,
            {
                "AwsSolutions-SQS3": (
                    "This queue is itself where failed exports end: a dead-letter queue behind it would "
                    "have nothing to receive from, and its depth alarm fires on the first message."
                )
            },
        )
        self.function = runtime.function(
            self,
            "Exporter",
            entry="exporter",
            description="calsnack: exports table changes to the analytics bucket as JSON Lines",
            timeout=self.TIMEOUT,
            memory_size=512,
        )
        self.function.add_environment("ANALYTICS_BUCKET", self.bucket.bucket_name)
        # Attendee items carry only their event's key: the exporter reads the event (GetItem, one
        # per event and batch) for its organizer and event id. Nothing else of the table, no index.
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[table.table_arn])
        )
        self.function.add_event_source(
            event_sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=500,
                max_batching_window=Duration.seconds(30),
                bisect_batch_on_error=True,
                retry_attempts=3,
                report_batch_item_failures=True,
                on_failure=event_sources.SqsDlq(self.dead_letter_queue),
            )
        )

        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name, description="calsnack analytics (exported from the DynamoDB table)"
            ),
        )
        self.tables = {name: self._table(name, columns) for name, columns in TABLES.items()}

        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=workgroup_name,
            description="calsnack analytics",
            recursive_delete_option=True,
            state="ENABLED",
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF,
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=self.results_bucket.s3_url_for_object("results/"),
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        for view in VIEWS:
            query = athena.CfnNamedQuery(
                self,
                f"{view.title().replace('_', '')}View",
                name=view,
                description=f"Creates (or replaces) the {view} view",
                database=database_name,
                work_group=self.workgroup.ref,
                query_string=create_view_statement(view, database_name),
            )
            query.add_resource_dependency(self.database)
            self.named_queries[view] = query

        self.quicksight_data_source: quicksight.CfnDataSource | None = None
        self.quicksight_data_set: quicksight.CfnDataSet | None = None
        if quicksight_enabled:
            self._quicksight(quicksight_principal_arn)

    def _table(self, name: str, columns: Mapping[str, str]) -> glue.CfnTable:
        location = self.bucket.s3_url_for_object(f"{name}/")
        table = glue.CfnTable(
            self,
            f"{name.title()}Table",
            catalog_id=Aws.ACCOUNT_ID,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=name,
                description=f"calsnack {name}, gzipped JSON Lines partitioned by day",
                table_type="EXTERNAL_TABLE",
                partition_keys=[glue.CfnTable.ColumnProperty(name=PARTITION_KEY, type="string")],
                parameters={
                    "classification": "json",
                    "compressionType": "gzip",
                    "projection.enabled": "true",
                    f"projection.{PARTITION_KEY}.type": "date",
                    f"projection.{PARTITION_KEY}.format": "yyyy-MM-dd",
                    f"projection.{PARTITION_KEY}.range": PARTITION_RANGE,
                    f"projection.{PARTITION_KEY}.interval": "1",
                    f"projection.{PARTITION_KEY}.interval.unit": "DAYS",
                    "storage.location.template": f"{location}{PARTITION_KEY}=${{{PARTITION_KEY}}}/",
                },
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    columns=[glue.CfnTable.ColumnProperty(name=c, type=t) for c, t in columns.items()],
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    compressed=True,
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.openx.data.jsonserde.JsonSerDe"
                    ),
                ),
            ),
        )
        table.add_resource_dependency(self.database)
        return table

    def _quicksight(self, principal_arn: str | None) -> None:
        source_permissions = (
            [
                quicksight.CfnDataSource.ResourcePermissionProperty(
                    principal=principal_arn,
                    actions=[
                        "quicksight:DescribeDataSource",
                        "quicksight:DescribeDataSourcePermissions",
                        "quicksight:PassDataSource",
                    ],
                )
            ]
            if principal_arn
            else None
        )
        self.quicksight_data_source = quicksight.CfnDataSource(
            self,
            "QuickSightDataSource",
            aws_account_id=Aws.ACCOUNT_ID,
            data_source_id=f"{self.workgroup_name}-athena",
            name=f"{self.workgroup_name} (Athena)",
            type="ATHENA",
            data_source_parameters=quicksight.CfnDataSource.DataSourceParametersProperty(
                athena_parameters=quicksight.CfnDataSource.AthenaParametersProperty(
                    work_group=self.workgroup.ref
                )
            ),
            ssl_properties=quicksight.CfnDataSource.SslPropertiesProperty(disable_ssl=False),
            permissions=source_permissions,
        )
        set_permissions = (
            [
                quicksight.CfnDataSet.ResourcePermissionProperty(
                    principal=principal_arn,
                    actions=[
                        "quicksight:DescribeDataSet",
                        "quicksight:DescribeDataSetPermissions",
                        "quicksight:PassDataSet",
                        "quicksight:DescribeIngestion",
                        "quicksight:ListIngestions",
                    ],
                )
            ]
            if principal_arn
            else None
        )
        # Custom SQL, not the view: the data set does not need the view to exist yet.
        self.quicksight_data_set = quicksight.CfnDataSet(
            self,
            "QuickSightDataSet",
            aws_account_id=Aws.ACCOUNT_ID,
            data_set_id=f"{self.workgroup_name}-by-event",
            name=f"{self.workgroup_name} events",
            import_mode="DIRECT_QUERY",
            physical_table_map={
                "byEvent": quicksight.CfnDataSet.PhysicalTableProperty(
                    custom_sql=quicksight.CfnDataSet.CustomSqlProperty(
                        data_source_arn=self.quicksight_data_source.attr_arn,
                        name="by_event",
                        sql_query=view_sql("by_event", self.database_name),
                        columns=[
                            quicksight.CfnDataSet.InputColumnProperty(name=c, type=t)
                            for c, t in BY_EVENT_COLUMNS.items()
                        ],
                    )
                )
            },
            permissions=set_permissions,
        )
        for table in self.tables.values():
            self.quicksight_data_set.add_resource_dependency(table)
