using System.Runtime.Intrinsics;

namespace VectorEngine.Tests.Distances;

/// <summary>Guards the ISA matrix in scripts/test.sh: the environment switches really do turn SIMD widths off.</summary>
public sealed class IsaLevelTests
{
    [Fact]
    public void Environment_switches_select_the_expected_simd_width()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
        {
            Assert.False(Vector128.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(Vector256.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
        }
    }
}
