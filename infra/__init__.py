"""The AWS deployment of calsnack: one CDK stack composed of one construct per pipeline stage."""
