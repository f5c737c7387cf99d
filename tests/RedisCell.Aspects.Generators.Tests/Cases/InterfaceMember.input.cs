using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public interface IMailer
{
    [Throttle("mail:{to}", 5, 10, 60)]
    Task SendAsync(string to, string body);
}

public sealed class Mailer : IMailer
{
    public Task SendAsync(string to, string body) => Task.CompletedTask;
}

public static class Caller
{
    public static Task Run(IMailer mailer) => mailer.SendAsync("ann@example.com", "hi");
}
