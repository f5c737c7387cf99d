using System.Diagnostics;
using System.Runtime.InteropServices;
using StackExchange.Redis;

namespace RedisCell.Aspects.TestServers;

/// <summary>
/// Debian's <c>redis-server</c> as a child process on a loopback port, with persistence off.
/// It can be killed and started again on the same port, to test what callers see during an outage.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly string[] _extraArguments;

    // The server's working directory, unless its arguments name one. Persistence is off, but a
    // replica still writes the RDB it receives to dump.rdb there, and a later server started in the
    // same directory (the test's) would load another test's keys at startup.
    private readonly string? _directory;
    private Process? _process;

    private RedisServerProcess(int port, string[] extraArguments)
    {
        Port = port;
        _extraArguments = extraArguments;
        if (!extraArguments.Contains("--dir")) _directory = Directory.CreateTempSubdirectory("rediscell-server-").FullName;
    }

    /// <summary>The executable's path, or null when redis-server is not installed.</summary>
    public static string? Executable { get; } = FindOnPath("redis-server");

    /// <summary>True when redis-server is on PATH.</summary>
    public static bool IsInstalled => Executable is not null;

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},allowAdmin=true,abortConnect=false";

    /// <summary>True while the child process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server on a free port and waits until it answers PING.</summary>
    public static async Task<RedisServerProcess> StartAsync(int? port = null, params string[] extraArguments)
    {
        var server = new RedisServerProcess(port ?? FreePort.Next(), extraArguments);
        await server.StartAgainAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts the server again (after <see cref="Kill"/>) on the same port.</summary>
    public async Task StartAgainAsync()
    {
        if (Executable is null) throw new InvalidOperationException("redis-server is not on PATH; install it (apt-get install redis-server).");
        if (IsRunning) return;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no", "--enable-debug-command", "yes" })
        {
            start.ArgumentList.Add(argument);
        }

        if (_directory is not null)
        {
            start.ArgumentList.Add("--dir");
            start.ArgumentList.Add(_directory);
        }

        foreach (string argument in _extraArguments) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        StartWatchdog(_process.Id);
        await WaitUntilAnsweringAsync(Port, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
    }

    // Exit handlers are not guaranteed to run (a test host can be killed or cut them short), and a
    // server outliving its tests holds a port and a core. A shell loop beside each server kills it
    // within half a second of this process going away, and ends by itself once the server is gone.
    // It runs in a session of its own (setsid), with no terminal or pipe to lose and hang-ups and
    // broken pipes ignored, so that whatever takes the test host down does not take it down too.
    private static void StartWatchdog(int serverPid)
    {
        string? setsid = FindOnPath("setsid");
        var watch = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (setsid is not null) watch.ArgumentList.Add("/bin/sh");
        watch.ArgumentList.Add("-c");
        watch.ArgumentList.Add("trap '' HUP PIPE INT; exec </dev/null >/dev/null 2>&1; while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 0.5; done; kill -CONT \"$2\" 2>/dev/null; kill -9 \"$2\" 2>/dev/null");
        watch.ArgumentList.Add("redis-watchdog");
        watch.ArgumentList.Add(Environment.ProcessId.ToString());
        watch.ArgumentList.Add(serverPid.ToString());
        using Process? watchdog = Process.Start(watch);
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash would, and waits until it is gone.</summary>
    public void Kill()
    {
        Signal();
        _process?.WaitForExit(5000);
    }

    /// <summary>
    /// Sends SIGKILL without waiting: for process-exit handlers, which the test host may cut short,
    /// so every server is signalled before any is waited for.
    /// </summary>
    public void Signal()
    {
        if (_process is { HasExited: false } && OperatingSystem.IsLinux()) SendKill(_process.Id, SigCont); // a paused server dies only once resumed
        try
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>
    /// Freezes the server (SIGSTOP): its socket stays open and accepts connections, but nothing is
    /// answered, as with a server stuck in a long command or a network that drops replies.
    /// </summary>
    public void Pause() => SendSignal(SigStop);

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public void Resume() => SendSignal(SigCont);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        try
        {
            if (_directory is not null && Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return default;
    }

    /// <summary>
    /// Waits until something on <paramref name="port"/> answers PING, asking every few milliseconds
    /// on a plain socket, so the moment it returns is within a few milliseconds of the server
    /// answering (outage tests measure recovery from it).
    /// </summary>
    public static async Task WaitUntilAnsweringAsync(int port, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        byte[] ping = "PING\r\n"u8.ToArray();
        var reply = new byte[64];
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
                await socket.SendAsync(ping, attempt.Token).ConfigureAwait(false);
                int read = await socket.ReceiveAsync(reply, attempt.Token).ConfigureAwait(false);
                string answer = System.Text.Encoding.ASCII.GetString(reply, 0, read);
                if (answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal)) return; // NOAUTH: up, with requirepass
                last = new InvalidOperationException("Answered: " + answer);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                last = ex;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        throw new TimeoutException($"Nothing answered PING on 127.0.0.1:{port} within {timeout}.", last);
    }

    private const int SigCont = 18, SigStop = 19; // Linux

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendKill(int pid, int signal);

    private void SendSignal(int signal)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Pausing redis-server uses Linux signal numbers.");
        if (_process is not { HasExited: false }) throw new InvalidOperationException("redis-server is not running.");
        if (SendKill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>The path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length == 0) continue;
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }
}
