-- wrk script: POSTs a form body to a server function (the browser's call, with a session cookie
-- given by -H "Cookie: …"). The body comes from the BENCH_FORM environment variable.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_FORM")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
