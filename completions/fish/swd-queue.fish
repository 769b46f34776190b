# fish completion for swd-queue

set -l commands submit pull-request login run list show hold release requeue delete flush events ack send alerts undo targets packages
complete -c swd-queue -f
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'submit' -d 'Take in a distribution command (standard push)'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'pull-request' -d "Take in an endpoint's package list (trusted pull)"
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'login' -d 'An endpoint is online: activate its pull requests'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'run' -d 'Activate and process requests'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'list' -d 'List requests'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'show' -d 'Show a request and its events'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'hold' -d 'Hold requests until released'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'release' -d 'Release held requests'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'requeue' -d 'Queue requests again, retries restored'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'delete' -d 'Delete requests'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'flush' -d 'Retry waiting requests now'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'events' -d 'List events'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'ack' -d 'Acknowledge (close) events'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'send' -d 'Send the alerts waiting in the outbox'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'alerts' -d 'List the alert e-mails in the outbox, or retry them'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'undo' -d "Undo a package's install on a local: target"
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'targets' -d 'Manage endpoints'
complete -c swd-queue -n "not __fish_seen_subcommand_from $commands" -a 'packages' -d 'Manage the package store'

# Common options
complete -c swd-queue -l state -r -F -d 'State file'
complete -c swd-queue -l config -r -F -d 'Configuration file'
complete -c swd-queue -s v -l verbose -d 'Say more on stderr (repeatable)'
complete -c swd-queue -s q -l quiet -d 'Only errors on stderr'
complete -c swd-queue -l format -x -a 'auto jsonl json table' -d 'Output format'
complete -c swd-queue -l dry-run -d 'Show what would be done, change nothing'
complete -c swd-queue -l print-config -d 'Print the effective configuration and exit'
complete -c swd-queue -l version -d 'Print the version and exit'
complete -c swd-queue -s h -l help -d 'Print a summary of the options and exit'

# submit
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l dist -x -d 'Distribution id'
complete -c swd-queue -n '__fish_seen_subcommand_from submit pull-request' -l package -x -d 'Package, in order (repeatable)'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l target -x -d 'Target NAME[:param,...] (repeatable)'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l push-retries -x -d 'Push retries before pull mode'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l pull-retries -x -d 'Authoritative pull attempts'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l retry-interval -x -d 'Wait between push retries'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l not-before -x -d 'Not before this time or this long from now'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l origin -x -d 'Who sent the command'
complete -c swd-queue -n '__fish_seen_subcommand_from submit' -l redist-of -x -d 'The distribution this one redistributes'

# pull-request
complete -c swd-queue -n '__fish_seen_subcommand_from pull-request' -l endpoint -x -d 'The endpoint asking'
complete -c swd-queue -n '__fish_seen_subcommand_from pull-request' -l packages-from -r -F -d 'File with one package per line'
complete -c swd-queue -n '__fish_seen_subcommand_from pull-request list' -l dist -x -d 'Distribution id'

# run
complete -c swd-queue -n '__fish_seen_subcommand_from run' -l once -d 'One pass, then exit'
complete -c swd-queue -n '__fish_seen_subcommand_from run' -l daemon -d 'Keep running until SIGTERM'
complete -c swd-queue -n '__fish_seen_subcommand_from run' -l max-active -x -d 'Requests active at once'

# list, events
complete -c swd-queue -n '__fish_seen_subcommand_from list' -l queue -x -a 'incoming active hold pull abort done' -d 'Only this queue'
complete -c swd-queue -n '__fish_seen_subcommand_from list' -l target -x -d 'Only this target'
complete -c swd-queue -n '__fish_seen_subcommand_from events' -l open -d 'Only open events'
complete -c swd-queue -n '__fish_seen_subcommand_from events' -l since -x -d 'Only events since a duration ago or a date'
complete -c swd-queue -n '__fish_seen_subcommand_from events' -l request -x -d 'Only events of this request'

# targets
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and not __fish_seen_subcommand_from add list remove' -a 'add' -d 'Register or update endpoints'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and not __fish_seen_subcommand_from add list remove' -a 'list' -d 'List endpoints'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and not __fish_seen_subcommand_from add list remove' -a 'remove' -d 'Remove endpoints'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l transport -x -a 'local: exec' -d 'local:/DIR or exec'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l probe-cmd -x -d 'exec: reachability check'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l install-cmd -x -d 'exec: install one package'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l address -x -d 'Network address'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l mac -x -d 'MAC address, for wake-on-LAN'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l location -x -d 'Where it is (for alerts)'
complete -c swd-queue -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from add' -l region -x -d 'Its region (for alerts)'

# packages
complete -c swd-queue -n '__fish_seen_subcommand_from packages; and not __fish_seen_subcommand_from add list remove' -a 'add' -d 'Verify and add packages'
complete -c swd-queue -n '__fish_seen_subcommand_from packages; and not __fish_seen_subcommand_from add list remove' -a 'list' -d 'List stored packages'
complete -c swd-queue -n '__fish_seen_subcommand_from packages; and not __fish_seen_subcommand_from add list remove' -a 'remove' -d 'Remove stored packages'
complete -c swd-queue -n '__fish_seen_subcommand_from packages; and __fish_seen_subcommand_from add' -F

# alerts
complete -c swd-queue -n '__fish_seen_subcommand_from alerts; and not __fish_seen_subcommand_from retry' -a 'retry' -d 'Send failed or waiting alerts again now'
complete -c swd-queue -n '__fish_seen_subcommand_from alerts; and not __fish_seen_subcommand_from retry' -l status -x -a 'pending failed sent' -d 'Only alerts with this status'
complete -c swd-queue -n '__fish_seen_subcommand_from alerts; and __fish_seen_subcommand_from retry' -l all -d 'Every alert not sent yet'
