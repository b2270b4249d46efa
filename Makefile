# The two commands of the README. The scripts in .ci/ install what is missing.
.PHONY: run test bench release

run: ## Build and run the portal on http://127.0.0.1:3000 (SQLite, development sign-in)
	@.ci/serve

test: ## Install test tools and run every check and test
	@.ci/test

bench: ## Measure the release build with wrk and print a table of medians
	@.ci/bench

release: ## Install the release tools and build the optimised server and site
	@.ci/release
