"""The AWS CodeDeploy JSON 1.1 protocol (``X-Amz-Target: CodeDeploy_20141006.<Operation>``)."""
