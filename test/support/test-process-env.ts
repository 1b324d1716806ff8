/** Process settings for every test file. */
// Tests run on Node 20 here; production images run Node 22, where the AWS SDK's Node 20 notice doesn't apply.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
