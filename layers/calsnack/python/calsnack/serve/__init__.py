"""The embedded runtime: `calsnack serve` plays SES, S3 events, SQS and API Gateway on one machine."""
