# fish completion for swd-ticket

set -l commands process send devices outages thresholds centers buildings paging list show alerts report failed resolve close
set -l failures connection access package install disk timeout other

complete -c swd-ticket -l state -r -F -d 'State file'
complete -c swd-ticket -l config -r -F -d 'Configuration file'
complete -c swd-ticket -s v -l verbose -d 'Say more on stderr (repeatable)'
complete -c swd-ticket -s q -l quiet -d 'Only errors on stderr'
complete -c swd-ticket -l format -x -a 'auto jsonl json table' -d 'Output format'
complete -c swd-ticket -l dry-run -d 'Show what would be done, change nothing'
complete -c swd-ticket -l print-config -d 'Print the effective configuration and exit'
complete -c swd-ticket -l version -d 'Print the version and exit'
complete -c swd-ticket -s h -l help -d 'Print a summary of the options and exit'
complete -c swd-ticket -l now -x -d 'Act as if it were TIME (RFC 3339)'
complete -c swd-ticket -l no-diagnostics -d 'Do not run ping and traceroute'

complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a process -d 'Turn alert records into tickets'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a send -d 'Send due tickets, updates and pages'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a devices -d 'The device inventory'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a outages -d 'Devices out of service'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a thresholds -d 'Alerts per window that make a ticket'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a centers -d 'Maintenance centers'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a buildings -d 'Which center serves which building'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a paging -d 'Page the center at once'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a list -d 'List tickets'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a show -d 'Show a ticket or an alert'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a alerts -d 'List processed alerts'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a report -d 'Alerts and tickets per key'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a failed -d 'Failed distributions'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a resolve -d 'Apply resolved records'
complete -c swd-ticket -n "not __fish_seen_subcommand_from $commands" -a close -d 'Close tickets'

complete -c swd-ticket -n '__fish_seen_subcommand_from send' -l flush -d 'Send held tickets now'

complete -c swd-ticket -n '__fish_seen_subcommand_from devices; and not __fish_seen_subcommand_from import list' -x -a 'import list'
complete -c swd-ticket -n '__fish_seen_subcommand_from outages; and not __fish_seen_subcommand_from add import list remove' -x -a 'add import list remove'
complete -c swd-ticket -n '__fish_seen_subcommand_from outages' -l from -x -d 'Start (default now)'
complete -c swd-ticket -n '__fish_seen_subcommand_from outages' -l until -x -d 'End'
complete -c swd-ticket -n '__fish_seen_subcommand_from outages' -l reason -x -d 'Why, for people'
complete -c swd-ticket -n '__fish_seen_subcommand_from outages list alerts thresholds' -l device -x -d 'Only this device'

complete -c swd-ticket -n '__fish_seen_subcommand_from thresholds; and not __fish_seen_subcommand_from set list' -x -a 'set list'
complete -c swd-ticket -n '__fish_seen_subcommand_from set; and __fish_seen_subcommand_from thresholds' -x -a "$failures"
complete -c swd-ticket -n '__fish_seen_subcommand_from thresholds' -l region -x -d 'Only for this region'
complete -c swd-ticket -n '__fish_seen_subcommand_from thresholds' -l window -x -d 'Counting window of this rule'

complete -c swd-ticket -n '__fish_seen_subcommand_from centers; and not __fish_seen_subcommand_from add list' -x -a 'add list'
complete -c swd-ticket -n '__fish_seen_subcommand_from centers' -l email -x -d 'Where its tickets go'
complete -c swd-ticket -n '__fish_seen_subcommand_from centers' -l pager -x -d 'Where its pages go'

complete -c swd-ticket -n '__fish_seen_subcommand_from buildings; and not __fish_seen_subcommand_from set list' -x -a 'set list'
complete -c swd-ticket -n '__fish_seen_subcommand_from buildings' -l center -x -d 'Its center'
complete -c swd-ticket -n '__fish_seen_subcommand_from buildings' -l served-by -x -d 'The building that serves it'

complete -c swd-ticket -n '__fish_seen_subcommand_from paging; and not __fish_seen_subcommand_from on off' -x -a 'on off'
complete -c swd-ticket -n '__fish_seen_subcommand_from paging' -l failure -x -a "$failures" -d 'Only for this failure type'

complete -c swd-ticket -n '__fish_seen_subcommand_from list failed' -l status -x -a 'all open closed new held queued sent failed unrouted' -d 'Only tickets in this status'
complete -c swd-ticket -n '__fish_seen_subcommand_from list alerts report failed' -l since -x -d 'Since (7d, or a date)'
complete -c swd-ticket -n '__fish_seen_subcommand_from list' -l device -x -d 'Only this device'
complete -c swd-ticket -n '__fish_seen_subcommand_from alerts' -l action -x -a 'counted suppressed ticket updated reopened' -d 'Only this action'
complete -c swd-ticket -n '__fish_seen_subcommand_from report' -l by -x -a 'region failure device center' -d 'Group by'
complete -c swd-ticket -n '__fish_seen_subcommand_from failed' -l server -x -d 'Only this server'
