From: Jane Operator <jane@ops.east.example.com>
To: swd@service.example.com
Subject: Re: [SWD] connection failure: pos-0042 (pkg-a-1.2) dist D-20261121-0042
Date: Sat, 21 Nov 2026 10:35:00 +0000
Message-ID: <a1b2c3@ops.east.example.com>
In-Reply-To: <20261121101503.4f2a9c@relay-a.east.example.com>
References: <20261121101503.4f2a9c@relay-a.east.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8; format=flowed

Is anyone looking at this? The store reopens at noon.

Jane

On 21.11.26 11:15, swd-queue wrote:
> Failure-Type: connection
> Device: pos-0042
> Server: relay-a
