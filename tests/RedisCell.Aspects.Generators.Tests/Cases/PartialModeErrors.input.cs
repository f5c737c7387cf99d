using RedisCell.Aspects;

namespace Shop;

public partial class Reports
{
    [Gcra(5, 10, 1)]
    public partial int Build(int id);

    [Gcra(5, 10, 1)]
    partial void Quiet();

    private void QuietCore() { }
}

public class NotPartial
{
    public partial class Inner
    {
        [Gcra(5, 10, 1)]
        public partial void Run();

        private void RunCore() { }
    }
}
