"""The AWS adapter set: DynamoDB, SQS, S3 and SES v2, wired by `calsnack.bootstrap.aws_services`."""
