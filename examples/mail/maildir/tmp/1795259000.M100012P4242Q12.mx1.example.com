From: swd-queue <swd@relay-a.east.example.com>
Subject: [SWD] conn